"""terminal.py: drives a command in a pseudo-terminal: waits for each expected prompt text, then types its keys.
Usage: terminal.py <json steps> <command> [args...]; steps = [[prompt_text, keys], ...]. Prints the output,
exits with the command's exit code (or 124 if a prompt never came)."""
import json, os, pty, select, sys, time

steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

out = b''
def read_until(text, timeout):
    global out
    end = time.time() + timeout
    while time.time() < end:
        if text is not None and text.encode() in out:
            return True
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return text is None
    return text is None

for prompt, keys in steps:
    if not read_until(prompt, 20):
        sys.stdout.write(out.decode(errors='replace'))
        os.kill(pid, 9)
        sys.exit(124)
    out = out[out.index(prompt.encode()) + len(prompt):]
    time.sleep(0.2)
    os.write(fd, keys.encode())
read_until(None, 20)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.WEXITSTATUS(status))
