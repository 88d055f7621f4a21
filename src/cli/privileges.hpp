#pragma once
// -Z USER: capture as root, then carry on as USER, as tcpdump -Z does.
#include <string>
#include <sys/types.h>

namespace tcpstate::cli {

struct Account {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looked up before the capture is opened, so a typo costs nothing. Throws Fatal(usage)
// for a user that does not exist.
Account look_up_user(const std::string& name);

// The user's groups, then its group, then the user; checked, because carrying on as root
// when asked not to would be worse than stopping. Throws Fatal(input_error).
void drop_privileges(const Account& account);

} // namespace tcpstate::cli
