#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal (100 columns) and writes what it printed to stdout.

    pty-run.py COMMAND [ARG...]

Exits with the command's exit status. The command's stdout and stderr both go to the
terminal, as they would in an interactive shell.
"""
import fcntl
import os
import pty
import struct
import sys
import termios

pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])

output = bytearray()
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:  # EIO once the child has gone and the terminal is closed
        break
    if not chunk:
        break
    output += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(output))
sys.stdout.flush()
sys.exit(os.waitstatus_to_exitcode(status))
