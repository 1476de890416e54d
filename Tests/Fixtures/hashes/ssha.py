"""Prints an nginx {SSHA} entry: base64(SHA-1(password + salt) + salt), with a random salt of the given length.

    python3 ssha.py PASSWORD SALT_LENGTH
"""
import base64
import hashlib
import os
import sys

password = sys.argv[1].encode()
salt = os.urandom(int(sys.argv[2]))
print("{SSHA}" + base64.b64encode(hashlib.sha1(password + salt).digest() + salt).decode())
