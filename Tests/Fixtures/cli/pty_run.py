#!/usr/bin/env python3
"""Run a program on a pseudo-terminal, type answers at its prompts, report what happened.

Usage: pty_run.py ANSWERS_JSON -- PROGRAM [ARG...]

ANSWERS_JSON is a JSON list of strings. Each time the program's output since the last answer looks
like a prompt (it ends with ':' or ': '), the script waits until the terminal's echo is off (up to
5 s; a program that never turns it off gets its answer echoed, which the tests detect), then types
the next answer and a newline. Standard input, output and error of the program are all the terminal,
which is also its controlling terminal (so /dev/tty works).

Prints one JSON object: {"status": exit status (128+N for signal N, -1 for a timeout),
"transcript": base64 of everything the terminal showed, "echo_off": [echo was off at each answer],
"answered": how many answers were typed}.
"""
import base64
import json
import os
import pty
import select
import signal
import sys
import termios
import time


def main():
    answers = json.loads(sys.argv[1])
    if sys.argv[2] != "--":
        sys.exit("usage: pty_run.py ANSWERS_JSON -- PROGRAM [ARG...]")
    command = sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(command[0], command)
        finally:
            os._exit(127)

    transcript = b""
    since_answer = b""
    echo_off = []
    pending = list(answers)
    deadline = time.monotonic() + 60
    timed_out = False
    while True:
        if time.monotonic() > deadline:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the program closed the terminal
                data = b""
            if not data:
                break
            transcript += data
            since_answer += data
        stripped = since_answer.rstrip(b" ")
        if pending and stripped.strip() and stripped.endswith(b":"):
            settle = time.monotonic() + 5
            while time.monotonic() < settle and termios.tcgetattr(fd)[3] & termios.ECHO:
                time.sleep(0.01)
            echo_off.append(not (termios.tcgetattr(fd)[3] & termios.ECHO))
            os.write(fd, pending.pop(0).encode("utf-8") + b"\n")
            since_answer = b""

    _, status = os.waitpid(pid, 0)
    if timed_out:
        code = -1
    elif os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
    else:
        code = 128 + os.WTERMSIG(status)
    print(json.dumps({
        "status": code,
        "transcript": base64.b64encode(transcript).decode("ascii"),
        "echo_off": echo_off,
        "answered": len(answers) - len(pending),
    }))


if __name__ == "__main__":
    main()
