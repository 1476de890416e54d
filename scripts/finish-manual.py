#!/usr/bin/env python3
"""Finish the man page that argument-parser's generate-manual made (make man runs this).

Usage: scripts/finish-manual.py PAGE   (rewritten in place)

generate-manual writes the commands' help as mdoc, with blank lines between paragraphs (groff warns "Empty
input line" for each) and a generic EXIT STATUS (.Ex -std: "exits 0 on success"). This turns blank lines
into paragraph breaks, moves the root help's "EXIT STATUS:" block (ExitStatus.helpText, the one table of
the statuses) into a real EXIT STATUS section, and adds ENVIRONMENT, FILES and SEE ALSO. Nothing about the
statuses is written here: they come from the page itself, so from the code.
"""
import re
import sys

ENVIRONMENT = [
    ("HTPASS_TARGET", "The servers that read the files (a comma list, as --target takes it) when --target is "
     "not given: create, add, hash and apply then write only what they verify, and check and list report "
     "for them."),
    ("HTPASS_WRITE_MODE", "auto, rename or in-place: how edits replace the file when --write-mode is not given."),
    ("HTPASS_SIMD", "off, sse2, avx2 or avx512: the widest SIMD instructions apply uses to hash many apr1 "
     "passwords at once (default: the widest the processor has)."),
    ("HTPASS_QUIET_ARGV", "1: htpass htpasswd -b does not warn that the password is on the command line."),
    ("TMPDIR", "Where '-' as FILE (list, check, verify, export) keeps its private copy of standard input "
     "while htpass runs (default /tmp)."),
]

FILES = [
    (".NAME.htpass-tmp.RANDOM", "The new content of an edit by rename, in the file's directory, until it "
     "replaces FILE; removed by the next edit if its writer died."),
    ("the in-place journal", "Next to FILE while an in-place edit is written (a file bind-mounted alone, a mount "
     "point, hard links); the next htpass run, or htpass recover, finishes an edit it interrupted. See "
     "Docs/security.md."),
]

SEE_ALSO = [("htpasswd", "1"), ("nginx", "8"), ("httpd", "8"), ("crypt", "5"), ("chpasswd", "8")]


def escape(text):
    """A text line for mdoc: one that starts with '.' or an apostrophe would be a request."""
    return "\\&" + text if text[:1] in (".", "'") else text


def main():
    path = sys.argv[1]
    lines = open(path, encoding="utf-8").read().split("\n")
    statuses = []
    out = []
    in_status = False
    for line in lines:
        if line == "EXIT STATUS:":
            in_status = True
            continue
        if in_status:
            match = re.match(r"^  (\d+)  (.*)$", line)
            if match:
                statuses.append((match.group(1), match.group(2)))
                continue
            if line.startswith("  ") and line.strip():
                statuses.append((None, line.strip()))
                continue
            in_status = False
        if line == ".Ex -std":
            out.append(".Bl -tag -width 4n")
            for code, text in statuses:
                if code is None:
                    continue
                out.append(".It " + code)
                out.append(escape(text) + ".")
            out.append(".El")
            for code, text in statuses:
                if code is None:
                    out += [".Pp", escape(text) + "."]
            out.append(".Pp")
            out.append("Under Apache's command lines (htpass htpasswd, or htpass run as htpasswd) Apache's statuses apply; see htpass htpasswd --help.")
            continue
        if line.startswith(".Sh AUTHORS"):
            out.append(".Sh ENVIRONMENT")
            out.append(".Bl -tag -width Ds")
            for name, text in ENVIRONMENT:
                out += [".It Ev " + name, escape(text)]
            out.append(".El")
            out.append(".Sh FILES")
            out.append(".Bl -tag -width Ds")
            for name, text in FILES:
                out += [".It Pa " + name, escape(text)]
            out.append(".El")
            out.append(".Sh SEE ALSO")
            out.append(" ,\n".join(".Xr %s %s" % item for item in SEE_ALSO))
            out.append(".Pp")
            out.append("Docs/usage.md, Docs/targets.md, Docs/apache-compat.md and Docs/security.md in the source.")
        if line.strip() == "":
            if out and out[-1] not in (".Pp",) and not out[-1].startswith((".Sh", ".Bl", ".It")):
                out.append(".Pp")
            continue
        out.append(line if line.startswith(".") else escape(line))
    # A paragraph break right before a list, a section or the end says nothing.
    cleaned = []
    for index, line in enumerate(out):
        following = out[index + 1] if index + 1 < len(out) else ".Sh"
        if line == ".Pp" and following.startswith((".Sh", ".Bl", ".El", ".It", ".Pp")):
            continue
        cleaned.append(line)
    open(path, "w", encoding="utf-8").write("\n".join(cleaned).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
