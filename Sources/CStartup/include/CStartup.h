#ifndef CSTARTUP_H
#define CSTARTUP_H

// What the htpass executable does first.
//
// A constructor (startup.c) runs before the Swift runtime's own initialisers, so that the static
// executable runs where /proc is not mounted; it has no API. htpass_protect_process() is the first thing
// htpass's main() calls.

/// Keeps what htpass holds in memory (a password, the SPEC of `apply`) from other processes and from
/// disk: prctl(2) PR_SET_DUMPABLE 0, so that a crash writes no core file and only a process with
/// CAP_SYS_PTRACE may ptrace(2) htpass or read its /proc/PID/mem and environ; and RLIMIT_CORE 0 (soft
/// and hard), which still holds where a core pattern pipes cores to a program, and in the one child,
/// getent. Neither call fails for an unprivileged process; a failure is ignored.
void htpass_protect_process(void);

#endif
