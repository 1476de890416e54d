#!/usr/bin/env python3
"""Makes the cross-consumer corpus: htpasswd files in every format and odd line shape, and manifest.json.

Each case is (file, user, password): the user and password a client sends, as bytes. The hashes come from
the tools people run: Apache's htpasswd, `openssl passwd`, `mkpasswd` (whois package, libxcrypt) and
passlib; with fixed salts where the tool takes one (htpasswd does not, so its hashes change from run to
run). A few lines no tool writes are made by hand (`{PLAIN}`, failure tokens, a `$2x$` prefix on a `$2a$`
hash, long lines); their `about` says so.

The manifest records what each case is about, never what a server answers: Tests/ConsumerTests asks the
real servers every run.

Run from anywhere: python3 Tests/Fixtures/corpus/generate.py   (needs htpasswd, openssl, mkpasswd, passlib:
scripts/install-test-deps.sh installs them). It rewrites files/ and manifest.json.
"""

import base64
import json
import os
import shutil
import subprocess
import sys

from passlib.hash import (apr_md5_crypt, des_crypt, ldap_salted_sha1, ldap_sha1, md5_crypt, sha256_crypt,
                          sha512_crypt)

# passlib's own implementations, not the platform crypt(): they take any password length.
for handler in (sha512_crypt, sha256_crypt, md5_crypt):
    handler.set_backend("builtin")

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")


def b(text):
    return text if isinstance(text, bytes) else text.encode("utf-8")


def run(argv, stdin=b""):
    result = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        sys.exit(f"{argv[0]} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


def htpasswd(options, password, user=b"u"):
    """The hash Apache's htpasswd writes (-n: to stdout, -i: password on stdin)."""
    out = run(["htpasswd", "-n", "-i"] + options + [user.decode("latin-1")], b(password))
    line = out.split(b"\n")[0]
    return line.split(b":", 1)[1]


# mkpasswd with a fixed salt is deterministic: keep its answers between runs (bcrypt at cost 20 takes a
# minute). The cache lives in .build, never in git.
CACHE_PATH = os.path.join(HERE, "..", "..", "..", ".build", "corpus-mkpasswd-cache.json")
try:
    with open(CACHE_PATH) as cache_file:
        CACHE = json.load(cache_file)
except (OSError, ValueError):
    CACHE = {}


def mkpasswd(method, password, salt=None, rounds=None):
    if salt is not None:
        key = json.dumps([method, base64.b64encode(b(password)).decode(), salt, rounds])
        if key not in CACHE:
            CACHE[key] = mkpasswd_run(method, password, salt, rounds).decode()
        return CACHE[key].encode()
    return mkpasswd_run(method, password, salt, rounds)


def mkpasswd_run(method, password, salt=None, rounds=None):
    argv = ["mkpasswd", "--stdin", "-m", method]
    if salt is not None:
        argv += ["-S", salt]
    if rounds is not None:
        argv += ["-R", str(rounds)]
    return run(argv, b(password)).strip()


def openssl(option, password, salt):
    return run(["openssl", "passwd", "-stdin", option, "-salt", salt], b(password)).strip()


def passlib(handler, password, **settings):
    return b(handler.using(**settings).hash(b(password)))


BCRYPT_SALT = "abcdefghijklmnopqrstuu"  # 22 characters of bcrypt's alphabet, last one in [.Oeu]


class Corpus:
    def __init__(self):
        self.files = []
        self.cases = []

    def file(self, name, about):
        f = CorpusFile(self, name, about)
        self.files.append(f)
        return f

    def write(self):
        shutil.rmtree(FILES, ignore_errors=True)
        os.makedirs(FILES)
        for f in self.files:
            with open(os.path.join(FILES, f.name), "wb") as out:
                out.write(f.content)
            os.chmod(os.path.join(FILES, f.name), 0o644)
        manifest = {
            "about": "Cases for Tests/ConsumerTests: user and password are base64 of the bytes a client sends. "
                     "'line' is the 1-based line whose hash was made from this password for this user (null for "
                     "a wrong password or an unknown user); 'lines_for_user' lists every line written for the "
                     "user (more than one: the user is listed twice). Where several cases share a line, the first names the "
                     "user as the tool wrote it (the name meant); the others, how some servers read that line. 'slow' cases (bcrypt cost 17 and up) take "
                     "seconds to minutes per server and run only in the slow tier. No server's answer is "
                     "recorded here: the tests ask the real servers.",
            "generator": "Tests/Fixtures/corpus/generate.py",
            "cases": self.cases,
        }
        with open(os.path.join(HERE, "manifest.json"), "w") as out:
            json.dump(manifest, out, indent=1, ensure_ascii=True)
            out.write("\n")


class CorpusFile:
    def __init__(self, corpus, name, about):
        self.corpus = corpus
        self.name = name + ".htpasswd"
        self.about = about
        self.content = b""
        self.lines_by_user = {}
        self.slow = False

    def raw(self, data):
        """Appends bytes as they are (one or more lines, or part of one)."""
        self.content += b(data)
        return self

    def line_number(self):
        """The 1-based number of the line that the next byte starts."""
        return self.content.count(b"\n") + 1

    def entry(self, user, hashed, before=b"", between=b":", after=b"", end=b"\n"):
        """Appends `before user between hash after end`; returns its line number."""
        number = self.line_number()
        self.content += b(before) + b(user) + b(between) + b(hashed) + b(after) + b(end)
        self.lines_by_user.setdefault(b(user), []).append(number)
        return number

    def case(self, user, password, about, line=None, kind="right", made_with=None, slow=False):
        user, password = b(user), b(password)
        ident = f"{len(self.corpus.cases) + 1:03d}"
        self.corpus.cases.append({
            "id": ident,
            "file": self.name,
            "user": base64.b64encode(user).decode(),
            "password": base64.b64encode(password).decode(),
            "kind": kind,
            "line": line,
            "lines_for_user": [],  # filled in at the end
            "about": f"{self.about}: {about}",
            "made_with": made_with,
            "slow": slow or self.slow,
            # The server's answer depends on this password (its length, a NUL), not only on the file.
            "password_specific": self.name.startswith(("long-", "nul-")),
        })
        self.corpus.cases[-1]["_file"] = self

    def right_wrong(self, user, password, hashed, made_with, about="", wrong=b"wrong-password", unknown=False,
                    slow=False):
        """One entry, then cases: its password, a wrong one, and (optionally) an unknown user."""
        line = self.entry(user, hashed)
        self.case(user, password, ("right password " + about).strip(), line=line, made_with=made_with, slow=slow)
        self.case(user, wrong, "wrong password", kind="wrong", made_with=made_with, slow=slow)
        if unknown:
            self.case(b"nobody-here", password, "unknown user", kind="unknown-user", made_with=made_with)
        return line


def formats(corpus):
    pw = "pw-Ö-1!"  # UTF-8, as most passwords typed today
    ascii_pw = "Secret-42"

    def one(name, about, hashed, made_with, password=pw, unknown=False, slow=False, user="alice"):
        f = corpus.file(name, about)
        f.slow = slow
        f.right_wrong(user, password, hashed, made_with, unknown=unknown, slow=slow)
        return f

    # bcrypt: every prefix, several costs.
    # Cost 17 and up take seconds to a minute per server and per request: the slow tier.
    for cost in (4, 10, 17):
        one(f"bcrypt-2y-cost{cost:02d}", f"bcrypt $2y$ cost {cost} (htpasswd -B -C {cost})",
            htpasswd(["-B", "-C", str(cost)], pw), "htpasswd", unknown=cost == 4, slow=cost >= 17)
    for cost in (5, 10, 17, 18, 19, 20):
        slow = cost >= 17
        hashed = mkpasswd("bcrypt", pw, BCRYPT_SALT, cost)
        one(f"bcrypt-2b-cost{cost:02d}", f"bcrypt $2b$ cost {cost} (mkpasswd -m bcrypt -R {cost})", hashed,
            "mkpasswd", slow=slow)
        if cost >= 18:
            # htpasswd stops at cost 17; $2y$ and $2b$ are the same algorithm in libxcrypt and Go.
            one(f"bcrypt-2y-cost{cost:02d}", f"bcrypt $2y$ cost {cost} (mkpasswd $2b$ hash, prefix set to $2y$ by hand)",
                b"$2y$" + hashed[4:], "mkpasswd+edit", slow=True)
    one("bcrypt-2a-cost05", "bcrypt $2a$ cost 5 (mkpasswd -m bcrypt-a)", mkpasswd("bcrypt-a", pw, BCRYPT_SALT, 5),
        "mkpasswd")
    two_a = mkpasswd("bcrypt-a", ascii_pw, BCRYPT_SALT, 5)
    one("bcrypt-2x-cost05", "bcrypt $2x$ cost 5 (a $2a$ hash of an ASCII password, prefix set to $2x$ by hand)",
        b"$2x$" + two_a[4:], "mkpasswd+edit", password=ascii_pw)

    # SHA-crypt.
    one("sha512-default", "SHA-512 crypt, default rounds (mkpasswd -m sha512crypt)",
        mkpasswd("sha512crypt", pw, "saltsalt"), "mkpasswd", unknown=True)
    for rounds in (1000, 5000, 100000):
        one(f"sha512-rounds{rounds}", f"SHA-512 crypt rounds={rounds} (mkpasswd -R {rounds})",
            mkpasswd("sha512crypt", pw, "saltsalt", rounds), "mkpasswd")
    one("sha512-openssl", "SHA-512 crypt (openssl passwd -6)", openssl("-6", pw, "opensslsalt"), "openssl")
    one("sha256-default", "SHA-256 crypt, default rounds (mkpasswd -m sha256crypt)",
        mkpasswd("sha256crypt", pw, "saltsalt"), "mkpasswd")
    for rounds in (1000, 100000):
        one(f"sha256-rounds{rounds}", f"SHA-256 crypt rounds={rounds} (mkpasswd)",
            mkpasswd("sha256crypt", pw, "saltsalt", rounds), "mkpasswd")
    one("sha256-openssl", "SHA-256 crypt (openssl passwd -5)", openssl("-5", pw, "opensslsalt"), "openssl")

    # libxcrypt's own formats.
    one("yescrypt", "yescrypt (mkpasswd, Debian's default method)", mkpasswd("yescrypt", pw), "mkpasswd",
        unknown=True)
    one("gost-yescrypt", "gost-yescrypt (mkpasswd -m gost-yescrypt)", mkpasswd("gost-yescrypt", pw), "mkpasswd")
    one("scrypt", "scrypt $7$ (mkpasswd -m scrypt)", mkpasswd("scrypt", pw), "mkpasswd")
    one("sunmd5", "SunMD5 (mkpasswd -m sunmd5)", mkpasswd("sunmd5", pw), "mkpasswd")
    one("bsdicrypt", "BSDi extended DES (mkpasswd -m bsdicrypt)", mkpasswd("bsdicrypt", pw), "mkpasswd")
    one("nt", "NT hash $3$ (mkpasswd -m nt)", mkpasswd("nt", pw), "mkpasswd")

    # MD5 families.
    one("apr1-htpasswd", "apr1 (htpasswd -m)", htpasswd(["-m"], pw), "htpasswd", unknown=True)
    one("apr1-openssl", "apr1 (openssl passwd -apr1)", openssl("-apr1", pw, "osslsalt"), "openssl")
    one("apr1-passlib", "apr1 (passlib apr_md5_crypt)", passlib(apr_md5_crypt, pw, salt="passlib1"), "passlib")
    one("md5crypt-openssl", "MD5 crypt $1$ (openssl passwd -1)", openssl("-1", pw, "osslsalt"), "openssl")
    one("md5crypt-mkpasswd", "MD5 crypt $1$ (mkpasswd -m md5crypt)", mkpasswd("md5crypt", pw, "mksalt12"),
        "mkpasswd")

    # SHA-1 families.
    one("sha1-htpasswd", "{SHA} (htpasswd -s)", htpasswd(["-s"], pw), "htpasswd", unknown=True)
    one("sha1-passlib", "{SHA} (passlib ldap_sha1)", passlib(ldap_sha1, pw), "passlib")
    one("ssha-passlib", "{SSHA} salted SHA-1 (passlib ldap_salted_sha1)",
        passlib(ldap_salted_sha1, pw, salt=b"salt"), "passlib")

    # nginx's plain scheme, DES, plaintext, failure tokens, empty.
    one("plain-scheme", "{PLAIN} (nginx's scheme, written by hand)", b"{PLAIN}" + b(pw), "hand")
    one("des-htpasswd", "DES crypt (htpasswd -d)", htpasswd(["-d"], "Secret42"), "htpasswd", password="Secret42")
    f = corpus.file("des-mkpasswd", "DES crypt (mkpasswd -m descrypt), only 8 bytes count")
    line = f.entry("alice", mkpasswd("descrypt", "Secret42", "ab"))
    f.case("alice", "Secret42", "right password", line=line, made_with="mkpasswd")
    f.case("alice", "Secret42-and-more", "the first 8 bytes right, more after", kind="wrong", made_with="mkpasswd")
    f.case("alice", "Secret43", "wrong password", kind="wrong", made_with="mkpasswd")
    one("des-passlib", "DES crypt (passlib des_crypt)", passlib(des_crypt, "Secret42", salt="xy"), "passlib",
        password="Secret42")
    one("plaintext-htpasswd", "bare plaintext (htpasswd -p)", htpasswd(["-p"], pw), "htpasswd")
    f = corpus.file("failure-token", "libxcrypt failure tokens and locked entries (written by hand)")
    for user, hashed in (("star0", "*0"), ("star1", "*1"), ("bang", "!"), ("star", "*")):
        line = f.entry(user, hashed)
        f.case(user, hashed, f"the password is the token itself ({hashed})", line=line, made_with="hand")
        f.case(user, "", "empty password", kind="wrong", made_with="hand")
    f = corpus.file("empty-hash", "an empty hash (written by hand)")
    line = f.entry("alice", "")
    f.case("alice", "", "empty password", line=line, made_with="hand")
    f.case("alice", "x", "any password", kind="wrong", made_with="hand")


def long_passwords(corpus):
    makers = [
        ("bcrypt", "bcrypt $2y$ cost 4 (mkpasswd $2b$ cost 4 of the first 72 bytes, which are all bcrypt uses; "
         "mkpasswd refuses 512 bytes and more; prefix set to $2y$)",
         lambda p: b"$2y$" + mkpasswd("bcrypt", p[:72], BCRYPT_SALT, 4)[4:], "mkpasswd+edit"),
        ("sha512", "SHA-512 crypt (passlib, 5000 rounds)",
         lambda p: passlib(sha512_crypt, p, salt="longpw12", rounds=5000), "passlib"),
        ("sha256", "SHA-256 crypt (passlib, 5000 rounds)",
         lambda p: passlib(sha256_crypt, p, salt="longpw12", rounds=5000), "passlib"),
        ("apr1", "apr1 (passlib)", lambda p: passlib(apr_md5_crypt, p, salt="longpw12"), "passlib"),
        ("md5crypt", "MD5 crypt (passlib)", lambda p: passlib(md5_crypt, p, salt="longpw12"), "passlib"),
        ("sha1", "{SHA} (passlib)", lambda p: passlib(ldap_sha1, p), "passlib"),
    ]
    for length in (72, 73, 255, 256, 257, 511, 512):
        password = bytes((0x61 + i % 26) for i in range(length))
        for name, about, make, tool in makers:
            f = corpus.file(f"long-{name}-{length}", f"{about}, a {length}-byte password")
            try:
                hashed = make(password)
            except (Exception, SystemExit) as error:  # a tool that refuses the length: no case
                print(f"skipped {f.name}: {error}", file=sys.stderr)
                corpus.files.remove(f)
                continue
            line = f.entry("alice", hashed)
            f.case("alice", password, "the whole password", line=line, made_with=tool)
            f.case("alice", password[:-1], "the password less its last byte", kind="wrong", made_with=tool)
            if length == 73:
                f.case("alice", password[:72], "the first 72 bytes only", kind="wrong", made_with=tool)


def nul_bytes(corpus):
    full, cut = b"ab\x00cd", b"ab"
    f = corpus.file("nul-sha1-full", "{SHA} of a password with a NUL byte inside (passlib)")
    line = f.entry("alice", passlib(ldap_sha1, full))
    f.case("alice", full, "the whole password, NUL included", line=line, made_with="passlib")
    f.case("alice", cut, "the bytes before the NUL", kind="wrong", made_with="passlib")
    for name, hashed, tool in (
        ("bcrypt", b"$2y$" + mkpasswd("bcrypt", cut, BCRYPT_SALT, 4)[4:], "mkpasswd+edit"),
        ("sha512", mkpasswd("sha512crypt", cut, "nulsalt1"), "mkpasswd"),
        ("apr1", passlib(apr_md5_crypt, cut, salt="nulsalt2"), "passlib"),
        ("sha1", passlib(ldap_sha1, cut), "passlib"),
    ):
        f = corpus.file(f"nul-{name}-cut", f"{name} of the bytes before a NUL (ab)")
        line = f.entry("alice", hashed)
        f.case("alice", cut, "the password itself", line=line, made_with=tool)
        f.case("alice", full, "the password, a NUL, and more bytes (ab\\0cd)", kind="wrong", made_with=tool)


def line_shapes(corpus):
    """Odd lines around bcrypt $2y$ cost 4 entries, which every server here verifies."""
    pw = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw"}

    def h(password):
        return htpasswd(["-B", "-C", "4"], password)

    hashes = {name: h(p) for name, p in pw.items()}
    tool = "htpasswd"

    def shape(name, about):
        f = corpus.file("shape-" + name, about)
        f.case("mallory", pw["alice"], "a user the file does not name", kind="unknown-user", made_with=tool)
        return f

    def bob(f, about="a normal line after it"):
        line = f.entry("bob", hashes["bob"])
        f.case("bob", pw["bob"], about, line=line, made_with=tool)
        return line

    f = shape("comment-col0", "a # comment in column 0")
    f.raw("# alice:" + hashes["alice"].decode() + "\n")
    f.case("alice", pw["alice"], "a commented-out entry", kind="wrong", made_with=tool)
    f.case("# alice", pw["alice"], "the commented-out entry's text as the name", kind="wrong", made_with=tool)
    bob(f)

    f = shape("comment-indented", "a # comment after leading spaces")
    line = f.entry("#alice", hashes["alice"], before="   ")
    f.case("alice", pw["alice"], "the name after the #", kind="wrong", made_with=tool)
    f.case("   #alice", pw["alice"], "the line's text before the colon, spaces included", line=line,
           made_with=tool)
    f.case("#alice", pw["alice"], "the name with #, without the spaces", line=line, made_with=tool)
    bob(f)

    f = shape("leading-spaces", "spaces before the user name")
    line = f.entry("alice", hashes["alice"], before="  ")
    f.case("alice", pw["alice"], "the name without the spaces", line=line, made_with=tool)
    f.case("  alice", pw["alice"], "the name with the spaces", line=line, made_with=tool)
    bob(f)

    f = shape("trailing-spaces", "spaces after the hash")
    line = f.entry("alice", hashes["alice"], after="   ")
    f.case("alice", pw["alice"], "right password", line=line, made_with=tool)
    bob(f)

    f = shape("space-before-colon", "a space between the name and the colon")
    line = f.entry("alice", hashes["alice"], between=" :")
    f.case("alice", pw["alice"], "the name without the space", line=line, made_with=tool)
    f.case("alice ", pw["alice"], "the name with the space", line=line, made_with=tool)
    bob(f)

    f = shape("space-after-colon", "a space between the colon and the hash")
    line = f.entry("alice", hashes["alice"], between=": ")
    f.case("alice", pw["alice"], "right password", line=line, made_with=tool)
    bob(f)

    f = shape("tabs", "tabs around the name and after the hash")
    line = f.entry("alice", hashes["alice"], before="\t")
    f.case("alice", pw["alice"], "a tab before the name: the name without it", line=line, made_with=tool)
    f.case("\talice", pw["alice"], "a tab before the name: the name with it", line=line, made_with=tool)
    line = f.entry("carol", hashes["carol"], after="\t")
    f.case("carol", pw["carol"], "a tab after the hash", line=line, made_with=tool)
    bob(f)

    f = shape("crlf", "CRLF line endings throughout")
    line = f.entry("alice", hashes["alice"], end="\r\n")
    f.case("alice", pw["alice"], "first line", line=line, made_with=tool)
    line = f.entry("bob", hashes["bob"], end="\r\n")
    f.case("bob", pw["bob"], "last line", line=line, made_with=tool)

    f = shape("cr-one-line", "one line ends in CRLF, the others in LF")
    line = f.entry("alice", hashes["alice"], end="\r\n")
    f.case("alice", pw["alice"], "the CRLF line", line=line, made_with=tool)
    bob(f)

    f = shape("bom", "a UTF-8 byte-order mark at the start of the file")
    f.raw(b"\xef\xbb\xbf")
    line = f.entry("alice", hashes["alice"])
    f.case("alice", pw["alice"], "the first entry, behind the mark", line=line, made_with=tool)
    f.case(b"\xef\xbb\xbfalice", pw["alice"], "the first entry's name with the mark", line=line, made_with=tool)
    bob(f, "the second entry")

    f = shape("extra-field", "user:hash:extra")
    line = f.entry("alice", hashes["alice"], after=":extra")
    f.case("alice", pw["alice"], "the entry with a third field", line=line, made_with=tool)
    bob(f, "a normal entry in the same file")

    f = shape("extra-empty-field", "user:hash: (a trailing colon)")
    line = f.entry("alice", hashes["alice"], after=":")
    f.case("alice", pw["alice"], "the entry with a trailing colon", line=line, made_with=tool)
    bob(f, "a normal entry in the same file")

    f = shape("no-colon", "a line without a colon")
    f.raw("just-a-name\n")
    f.case("just-a-name", "", "the name on the line, empty password", kind="wrong", made_with="hand")
    bob(f, "a normal entry in the same file")

    f = shape("empty-user", "an empty user name (:hash)")
    line = f.entry("", hashes["alice"])
    f.case("", pw["alice"], "the empty name with the line's password", line=line, made_with=tool)
    bob(f, "a normal entry in the same file")

    f = shape("duplicate", "a user listed twice with different passwords")
    first = f.entry("alice", hashes["alice"])
    second = f.entry("alice", h("alice-second-pw"))
    f.case("alice", pw["alice"], "the first line's password", line=first, kind="duplicate", made_with=tool)
    f.case("alice", "alice-second-pw", "the second line's password", line=second, kind="duplicate",
           made_with=tool)
    bob(f)

    f = shape("blank-lines", "blank lines and lines of spaces between entries")
    f.raw("\n\n")
    line = f.entry("alice", hashes["alice"])
    f.case("alice", pw["alice"], "an entry after blank lines", line=line, made_with=tool)
    f.raw("\n   \n\t\n")
    bob(f, "an entry after blank and whitespace-only lines")
    f.raw("\n")

    f = shape("no-final-newline", "the last line has no newline")
    line = f.entry("alice", hashes["alice"])
    f.case("alice", pw["alice"], "the first entry", line=line, made_with=tool)
    line = f.entry("bob", hashes["bob"], end="")
    f.case("bob", pw["bob"], "the last entry, without a newline", line=line, made_with=tool)

    f = shape("only-line-no-newline", "a single entry and no newline")
    line = f.entry("alice", hashes["alice"], end="")
    f.case("alice", pw["alice"], "right password", line=line, made_with=tool)

    # Names.
    f = shape("names", "user names with spaces, UTF-8 and control bytes")
    for name in ("bob smith", "zoë", "用户", "a\x01b", "esc\x1b[31mred", "del\x7f", "x" * 255, "y" * 256,
                 "z" * 1000):
        line = f.entry(name, hashes["carol"])
        label = name if len(name) < 40 else f"{name[0]} x {len(name)}"
        f.case(name, pw["carol"], f"the name {label!r} ({len(b(name))} bytes)", line=line, made_with=tool)
    f.case("bob", pw["carol"], "a part of a name with a space", kind="unknown-user", made_with=tool)
    f.case("zoe\u0308", pw["carol"], "the same name in another Unicode normal form", kind="unknown-user",
           made_with=tool)
    bob(f)

    f = shape("name-latin1", "a user name in Latin-1, not UTF-8")
    line = f.entry(b"j\xf6rg", hashes["carol"])
    f.case(b"j\xf6rg", pw["carol"], "the Latin-1 bytes", line=line, made_with=tool)
    f.case("jörg", pw["carol"], "the UTF-8 spelling", kind="unknown-user", made_with=tool)
    bob(f)

    # Long lines: a long comment before an entry; and entries whose line is long (a long user name).
    for length in (1023, 1024, 1025, 8191, 8192, 70000):
        f = shape(f"long-comment-{length}", f"a {length}-byte comment line (newline not counted)")
        f.raw("#" + "c" * (length - 1) + "\n")
        bob(f, "the entry after it")
        f = shape(f"long-junk-{length}", f"a {length}-byte line without a colon")
        f.raw("j" * length + "\n")
        bob(f, "the entry after it")
    for length in (1023, 1024, 1025, 2048):
        f = shape(f"long-entry-{length}", f"an entry whose line is {length} bytes (a long user name)")
        name = "n" * (length - 1 - len(hashes["carol"]))
        line = f.entry(name, hashes["carol"])
        f.case(name, pw["carol"], "the long entry", line=line, made_with=tool)
        bob(f, "the entry after it")

    # Passwords with a colon, and empty ones.
    f = corpus.file("password-colon", "passwords with a colon")
    line = f.entry("alice", h("pa:ss"))
    f.case("alice", "pa:ss", "a password with a colon", line=line, made_with=tool)
    f.case("alice", "pa", "the part before the colon", kind="wrong", made_with=tool)
    line = f.entry("carol", h(""))
    f.case("carol", "", "an empty password", line=line, made_with=tool)
    f.case("carol", " ", "a space instead of the empty password", kind="wrong", made_with=tool)

    # A larger file: the right line is the last of 2000.
    f = corpus.file("many-entries", "2000 entries, the users asked near the end")
    for i in range(1999):
        f.entry(f"user{i:04d}", hashes["carol"])
    line = bob(f, "the last entry of 2000")
    f.case("user1998", pw["carol"], "the 1999th entry", line=1999, made_with=tool)


def hash_endings(corpus):
    """What follows a hash that some servers read as part of it: lighttpd decodes `{SHA}` leniently (white
    space, `:comment` after the 28 characters do not matter), nginx keeps the spaces of a `{PLAIN}` password.
    Every hash here is deterministic ({SHA} has no salt), so that these files do not change between runs."""
    pw = "pw-Ö-1!"
    sha, bob_sha = passlib(ldap_sha1, pw), passlib(ldap_sha1, "bob-pw")
    for name, after, about in (
        ("sha1-trailing-tab", "\t", "a {SHA} hash followed by a tab"),
        ("sha1-extra-field", ":comment", "a {SHA} hash followed by :comment"),
    ):
        f = corpus.file(name, f"{about} (passlib ldap_sha1, the rest by hand)")
        line = f.entry("alice", sha, after=after)
        f.case("alice", pw, "right password", line=line, made_with="passlib+edit")
        f.case("alice", "wrong-password", "wrong password", kind="wrong", made_with="passlib+edit")
        line = f.entry("bob", bob_sha)
        f.case("bob", "bob-pw", "a plain {SHA} entry after it", line=line, made_with="passlib")
    spaced = "  two leading, two trailing  "
    f = corpus.file("plain-spaces", "{PLAIN} with spaces before and after the password (written by hand)")
    line = f.entry("alice", b"{PLAIN}" + b(spaced))
    f.case("alice", spaced, "the password with its spaces", line=line, made_with="hand")
    f.case("alice", spaced.strip(), "the password without its spaces", kind="wrong", made_with="hand")
    f.case("alice", spaced.rstrip(), "the password without its trailing spaces", kind="wrong", made_with="hand")


def main():
    corpus = Corpus()
    formats(corpus)
    long_passwords(corpus)
    nul_bytes(corpus)
    line_shapes(corpus)
    hash_endings(corpus)
    for case in corpus.cases:
        f = case.pop("_file")
        user = base64.b64decode(case["user"])
        case["lines_for_user"] = f.lines_by_user.get(user, [])
    corpus.write()
    os.makedirs(os.path.dirname(CACHE_PATH), exist_ok=True)
    with open(CACHE_PATH, "w") as cache_file:
        json.dump(CACHE, cache_file)
    print(f"{len(corpus.cases)} cases in {len(corpus.files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
