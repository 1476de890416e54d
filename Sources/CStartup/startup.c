// Lets the static executable run without /proc (an empty chroot, a container started without it).
//
// The Swift runtime (6.x, Linux) needs /proc twice before and around main():
//
// 1. Its backtracer's initialiser, a C++ global constructor, looks for the `swift-backtrace` helper
//    next to the runtime even when backtracing is off. In a static executable dladdr() knows no file
//    name, so the runtime reads /proc/self/exe, and without it aborts with "Unable to obtain Swift
//    runtime path". Naming the helper in SWIFT_BACKTRACE (`swift-backtrace=`, an empty path) skips
//    that search; `enable=no` says what the empty path means anyway.
// 2. CommandLine.arguments, argc and unsafeArgv come from a constructor that finds argv by locating
//    the stack in /proc/self/maps; without it, the program sees no arguments at all.
//
// glibc calls ELF constructors with (argc, argv, envp), so this one hands the real argv to the
// runtime's override hook and, when /proc/self/exe cannot be read, sets SWIFT_BACKTRACE to
// `enable=no,swift-backtrace=` (or adds `swift-backtrace=` to the user's settings, which then stay
// in force). Priority 101 runs it before the runtime's constructors (default priority), which read
// the environment and argv after it. With /proc mounted nothing changes but where argv is taken
// from: the same array.

#include "CStartup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

// Swift runtime (CommandLine.cpp): what CommandLine.arguments, argc and unsafeArgv return from then
// on. swiftcc, like the runtime's definition; weak, so that a runtime without it only loses this fix.
__attribute__((swiftcall, weak)) extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc);

__attribute__((constructor(101), used)) static void htpass_startup(int argc, char **argv, char **envp) {
    (void)envp;
    if (_swift_stdlib_overrideUnsafeArgvArgc && argv != NULL && argc > 0) {
        _swift_stdlib_overrideUnsafeArgvArgc(argv, argc);
    }
    char target[1];
    if (readlink("/proc/self/exe", target, sizeof target) >= 0) return;
    const char *settings = getenv("SWIFT_BACKTRACE");
    if (settings == NULL || settings[0] == 0) {
        setenv("SWIFT_BACKTRACE", "enable=no,swift-backtrace=", 1);
    } else if (strstr(settings, "swift-backtrace=") == NULL) {
        char extended[4096];
        int length = snprintf(extended, sizeof extended, "%s,swift-backtrace=", settings);
        if (length > 0 && (size_t)length < sizeof extended) setenv("SWIFT_BACKTRACE", extended, 1);
    }
}

// Not in the constructor above: that one is linked into every program built with this target (the test
// bundles too), and a test runner must keep its own core files and its ptrace-ability. htpass calls this
// first in main(), before it reads an argument, a password or a file.
void htpass_protect_process(void) {
    struct rlimit none = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &none);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
