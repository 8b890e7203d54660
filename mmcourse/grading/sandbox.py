"""The OS sandbox a submission runs in: Linux namespaces, a whitelist root, limits, no privileges.

``enter_sandbox`` is called in a freshly forked child (see zygote.py) and returns in the
process that will run the learner's code, which then sees

- its own PID namespace (the grader and every other process are invisible, none can be
  signalled; when the sandbox's init ends, the kernel kills everything left inside),
- its own mount namespace rooted in a small tmpfs that holds read-only binds of the system,
  the Python install and the mmcourse package (with ``data/``) at their usual paths, a private
  writable home and /tmp of bounded size, a fresh /proc and a minimal /dev; ``solutions/``, the
  submissions, ``--out``, ``tests/``, ``.git`` and the rest of the file system do not exist,
- its own network namespace with only a loopback, where one port forwards to this
  submission's private emulator through a unix socket (the only way out),
- an unprivileged user id of its own, ``no_new_privs``, and limits on memory, CPU time,
  processes, open files and file sizes.

Where namespaces are unavailable (macOS, most containers, non-root) ``probe`` says why, and the
grader refuses to run unless asked for ``--unsandboxed`` on purpose.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import resource
import signal
import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 38, 36
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)
SANDBOX_HOME = "/home/learner"
SOCKET_DIR = "/run/mmcourse"

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    """The sandbox could not be built (the message says which step and why)."""


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise SandboxError(code, f"{what}: {os.strerror(code)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {source} on {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends (so nothing outlives the grader)."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass(frozen=True)
class Limits:
    """What one submission's sandbox may use."""

    memory_mb: int = 2048  # address space per process
    cpu_seconds: int = 600  # CPU time per process
    processes: int = 64  # processes and threads of the sandbox's user
    files: int = 256  # open file descriptors
    disk_mb: int = 256  # home + /tmp (tmpfs) and the largest file


CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_CONTROLLERS = ("cpu", "memory", "pids")


def make_cgroups(name: str, limits: Limits) -> list[str]:
    """Per-sandbox cgroups (v1) capping the whole sandbox: one core of CPU with an equal share
    against other sandboxes (a fork bomb cannot starve its neighbour), its memory in total, its
    process count. Empty where cgroups v1 are not writable (the rlimits still apply)."""
    made = []
    values = {"cpu": {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "100000"},
              "memory": {"memory.limit_in_bytes": str(limits.memory_mb * 1024 * 1024)},
              "pids": {"pids.max": str(limits.processes)}}
    for controller in CGROUP_CONTROLLERS:
        path = CGROUP_ROOT / controller / "mmcourse" / name
        try:
            path.mkdir(parents=True, exist_ok=True)
            for key, value in values[controller].items():
                (path / key).write_text(value)
        except OSError:
            continue
        made.append(str(path))
    return made


def join_cgroups(paths: list[str]) -> None:
    for path in paths:
        Path(path, "cgroup.procs").write_text(str(os.getpid()))


def remove_cgroups(paths: list[str]) -> None:
    """Kill whatever is still in the sandbox's cgroups, then remove them."""
    for _ in range(100):
        alive = False
        for path in paths:
            try:
                pids = [int(p) for p in Path(path, "cgroup.procs").read_text().split()]
            except OSError:
                continue
            for pid in pids:
                alive = True
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if not alive:
            break
        import time

        time.sleep(0.02)
    for path in paths:
        try:
            os.rmdir(path)
        except OSError:
            pass


def probe() -> str | None:
    """None when this machine can build the sandbox, else the reason it cannot."""
    if sys.platform != "linux":
        return f"Linux namespaces are not available on {sys.platform}"
    if SYS_PIVOT_ROOT is None:
        return f"pivot_root is not wired up for {os.uname().machine}"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            mount("tmpfs", "/mnt", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
        except OSError as exc:
            code = 10 + (exc.errno or 0) % 100
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return None
    reason = os.strerror(code - 10) if code >= 10 else f"exit {code}"
    return (f"cannot create Linux namespaces here ({reason}): grading needs root on Linux (or a "
            "container started with --privileged / CAP_SYS_ADMIN)")


def loopback_up() -> None:
    """Bring up ``lo`` in a new network namespace (it starts down)."""
    siocgifflags, siocsifflags, iff_up, iff_running = 0x8913, 0x8914, 0x1, 0x40
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        ifreq = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, siocgifflags, ifreq))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up | iff_running))


def enter_network_namespace() -> None:
    """A network namespace of our own with only a working loopback."""
    unshare(CLONE_NEWNET)
    loopback_up()


def _bind(source: str, target: Path, *, writable: bool = False) -> None:
    if os.path.isdir(source):
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)
    mount(source, str(target), None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (0 if writable else MS_RDONLY)
    mount(None, str(target), None, flags)


def visible_paths(package_root: Path) -> list[str]:
    """What a sandbox sees read-only: the system, the Python install, the mmcourse package."""
    paths = ["/usr", "/etc", "/opt"]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        paths.append(str(Path(prefix).resolve()))
    paths.append(str(package_root / "mmcourse"))
    if (package_root / "data").is_dir():
        paths.append(str(package_root / "data"))
    return [p for p in dict.fromkeys(paths) if os.path.exists(p)]


def build_root(package_root: Path, socket_dir: str | None, limits: Limits, uid: int) -> None:
    """Mount the sandbox's file system under /mnt and pivot into it (needs CLONE_NEWNS, root)."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = Path("/mnt")
    mount("tmpfs", str(root), "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    size = f"size={limits.disk_mb}m,mode=1777"  # writable places first: binds may sit inside /tmp
    for place in ("tmp", SANDBOX_HOME.lstrip("/"), "dev/shm"):
        (root / place).mkdir(parents=True, exist_ok=True)
        mount("tmpfs", str(root / place), "tmpfs", MS_NOSUID | MS_NODEV, size)
    for path in visible_paths(package_root):
        _bind(path, root / path.lstrip("/"))
    for link in ("bin", "lib", "lib64", "sbin"):
        real = Path("/") / link
        if real.is_symlink():
            (root / link).symlink_to(os.readlink(real))
        elif real.is_dir():
            _bind(str(real), root / link)
    os.chown(root / SANDBOX_HOME.lstrip("/"), uid, uid)
    for device in ("null", "zero", "random", "urandom"):
        _bind(f"/dev/{device}", root / "dev" / device, writable=True)
    if socket_dir:
        _bind(socket_dir, root / SOCKET_DIR.lstrip("/"), writable=True)
    (root / "proc").mkdir()
    mount("proc", str(root / "proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    (root / ".old").mkdir()
    os.chdir(root)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b".old"), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount the old root")
    os.rmdir("/.old")
    mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def others_can_run_python(package_root: Path) -> bool:
    """Whether a uid of its own could still import Python and mmcourse without the sandbox's own
    root (every folder on the way to them must be searchable by others: /root often is not)."""
    for path in visible_paths(package_root):
        for folder in [Path(path), *Path(path).parents]:
            try:
                if not os.stat(folder).st_mode & 0o001:
                    return False
            except OSError:
                return False
    return True


def unsandboxed_uid_drop(package_root: Path) -> bool:
    """Unsandboxed, a root grader still runs the learner as a uid of its own where it can."""
    return os.geteuid() == 0 and others_can_run_python(package_root)


def drop_privileges(uid: int) -> None:
    """Become an unprivileged user of our own, for good (no capabilities, no setuid binaries)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def apply_limits(limits: Limits) -> None:
    """Cap memory, CPU, processes, open files, file size and core dumps (children inherit them)."""
    def cap(which: int, value: int) -> None:
        resource.setrlimit(which, (value, value))

    if limits.memory_mb > 0:
        cap(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
    cap(resource.RLIMIT_CPU, limits.cpu_seconds)
    cap(resource.RLIMIT_NPROC, limits.processes)
    cap(resource.RLIMIT_NOFILE, limits.files)
    cap(resource.RLIMIT_FSIZE, limits.disk_mb * 1024 * 1024)
    cap(resource.RLIMIT_CORE, 0)


def enter_sandbox(package_root: Path, socket_dir: str | None, limits: Limits, uid: int,
                  keep_fds: tuple[int, ...], isolate: bool = True, cgroups: tuple[str, ...] = ()) -> None:
    """Turn the calling (freshly forked, single-threaded) process into a sandbox.

    Returns in the grandchild that runs the learner's code; the calling process itself becomes
    a waiter that never returns. With ``isolate=False`` (``--unsandboxed``) only the limits, a
    new session and the kill-everything-at-the-end part apply.
    """
    die_with_parent()
    os.setsid()
    join_cgroups(list(cgroups))
    if isolate:
        unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    else:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
    init = os.fork()
    if init:
        _wait_then_exit(init, kill_rest=not isolate)
    # The sandbox's init (PID 1 when isolated): build the world, then run the learner in a child.
    die_with_parent()
    if isolate:
        loopback_up()
        build_root(package_root, socket_dir, limits, uid)
    learner = os.fork()
    if learner:
        _wait_then_exit(learner, kill_rest=False)
    die_with_parent()
    _close_fds_except(keep_fds)
    if isolate or unsandboxed_uid_drop(package_root):
        drop_privileges(uid)
    apply_limits(limits)
    os.chdir(SANDBOX_HOME if isolate else os.environ.get("HOME", "/tmp"))


def _wait_then_exit(child: int, kill_rest: bool) -> None:
    """Reap every child until ``child`` ends, then exit with its status (killing what is left)."""
    if kill_rest:  # the grader ends an unsandboxed attempt with SIGTERM: take the daemons along
        def on_term(signum, frame):
            kill_descendants()
            os._exit(1)

        signal.signal(signal.SIGTERM, on_term)
    for fd in range(3, 1024):
        try:
            os.close(fd)
        except OSError:
            pass
    code = 1
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            break
    if kill_rest:
        kill_descendants()
    os._exit(code if 0 <= code < 256 else 1)


def kill_descendants() -> None:
    """SIGKILL every process below this one (a subreaper: double-forked daemons included)."""
    for _ in range(50):
        children = _children(os.getpid())
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ESRCH):
            raise
    return found


def _close_fds_except(keep: tuple[int, ...]) -> None:
    keep_set = {0, 1, 2, *keep}
    for fd in range(3, 1024):
        if fd not in keep_set:
            try:
                os.close(fd)
            except OSError:
                pass
