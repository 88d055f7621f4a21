// A main() for the fuzz targets in builds without libFuzzer (gcc, the normal test build):
// feeds every file named on the command line, and every file inside a directory named
// there, to LLVMFuzzerTestOneInput once. A crash or abort is the failure; prints how many
// inputs ran.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void replay(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "replay: cannot read " << path.string() << '\n';
    std::exit(2);
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  std::cerr << "replay: " << path.string() << " (" << bytes.size() << " bytes)\n";
  // A copy of exactly the file's size, so ASan catches a read one past the end.
  const auto copy = std::make_unique<std::uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), copy.get());
  LLVMFuzzerTestOneInput(copy.get(), bytes.size());
}

} // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg{argv[i]};
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file() && entry.path().filename().string().front() != '.') {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        replay(file);
        ++count;
      }
    } else {
      replay(arg);
      ++count;
    }
  }
  std::cout << "replayed " << count << " inputs\n";
  return 0;
}
