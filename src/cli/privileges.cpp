#include "privileges.hpp"

#include "tcpstate/util/fatal.hpp"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace tcpstate::cli {

Account look_up_user(const std::string& name) {
  errno = 0;
  const passwd* const entry = getpwnam(name.c_str());
  if (entry == nullptr) {
    throw Fatal(ExitCode::usage, "--relinquish-privileges: no such user '" + name + "'");
  }
  return Account{name, entry->pw_uid, entry->pw_gid};
}

namespace {

[[noreturn]] void cannot_switch(const Account& account, int error) {
  throw Fatal(ExitCode::input_error,
              "cannot switch to user '" + account.name + "': " + std::strerror(error));
}

} // namespace

void drop_privileges(const Account& account) {
  if (geteuid() == account.uid && getuid() == account.uid) {
    return; // already that user
  }
  if (initgroups(account.name.c_str(), account.gid) != 0) {
    cannot_switch(account, errno);
  }
  if (setgid(account.gid) != 0) {
    cannot_switch(account, errno);
  }
  if (setuid(account.uid) != 0) {
    cannot_switch(account, errno);
  }
  if (account.uid != 0 && setuid(0) == 0) {
    cannot_switch(account, EPERM);
  }
}

} // namespace tcpstate::cli
