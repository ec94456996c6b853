"""Warm kernels: each notebook's kernel forked from a template that has imported the reports' libraries.

A kernel normally starts as a new Python process that imports ipykernel, pandas, matplotlib and
the library again: about 1.5 s of each notebook (``benchmarks/README.md``). Here a *template*
process (:func:`main`) imports, once, what the reports' notebooks import (their import
statements, read from the notebooks) and ipykernel's modules, and then only waits. The main
process of a run starts one for all its pool workers (:class:`SharedTemplate`, run as ``python
-m qualitylib.batch.warm --listen``; the workers connect to its Unix socket), so the imports and
the region's shared results are held once on the machine; without it each worker has its own (a
fork of the pool worker made in its initializer, :func:`_fork_template`, or else a new interpreter). For every notebook the kernel
provisioner (:class:`WarmProvisioner`, jupyter_client's provisioning API) asks the template to
fork: the child is a new process -- its own pid, session and state, nothing of the previous
notebook -- that starts ``IPKernelApp`` on the kernel's fresh connection file. Papermill executes
the notebook exactly as with an ordinary kernel, and kills the kernel at the end.

What fork makes dangerous is kept out of the template: it starts no thread (checked before each
fork: with a second thread the template refuses and the ordinary kernel is started), creates no
ZeroMQ context (ipykernel creates it in the child, after the fork), keeps no file open but its
pipes or sockets to the workers (the child closes every inherited descriptor above stderr), draws
only once, on a figure of its own canvas (:func:`_warm_matplotlib`: matplotlib's backend module is
not imported, so the inline backend attaches to the child's own shell; the template fails if it
finds it imported). The child takes the environment, working
folder and ``sys.path`` the kernel would have had.

Where fork is unavailable (Windows, macOS: :func:`available`), when ``QUALITYLIB_WARM_KERNELS=0``,
when the template cannot start or dies, or for a kernel that is not this Python's ipykernel, the
ordinary kernel is started: :meth:`WarmProvisioner.launch_kernel` falls back by itself.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

from jupyter_client.provisioning import LocalProvisioner

#: Set to ``0`` to start ordinary kernels.
ENV_SWITCH = "QUALITYLIB_WARM_KERNELS"
#: What ipykernel sets before the shell starts (``IPKernelApp.init_gui_pylab``); the template sets it too.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Seconds to wait for the template's imports, for one fork, and for the region's shared results.
START_TIMEOUT, FORK_TIMEOUT, PREPARE_TIMEOUT = 300.0, 30.0, 600.0

_TEMPLATE: "Template | None" = None
#: The notebooks whose imports a template of this worker preloads (set by :func:`enable`); ``None``: off.
_NOTEBOOKS: list[str] | None = None
_TRIED = False


def available() -> bool:
    """Whether warm kernels may be used here: fork exists, the platform forks safely, not switched off."""
    if os.environ.get(ENV_SWITCH, "1").strip().lower() in ("0", "no", "false", "off"):
        return False
    return hasattr(os, "fork") and sys.platform.startswith("linux")


class Template:
    """The template process a worker uses, and the connection to it.

    Its own template (two pipes; ``fork``: a fork of this worker, else a new interpreter), or,
    with ``socket_path``, the template its run's workers share (:class:`SharedTemplate`), which
    it connects to and never stops.
    """

    def __init__(self, notebooks: list[str], flags: list[str], fork: bool = False, socket_path: str | None = None):
        self.lock = threading.Lock()
        self.flags = list(flags)  # the interpreter options of the kernel spec (e.g. -Xfrozen_modules=off)
        #: whether the template is a fork of this worker (:func:`_fork_template`), not a new interpreter
        self.forked = bool(fork) and socket_path is None
        #: whether the template serves the other workers of the run too
        self.shared = socket_path is not None
        #: a fork may wait for another worker's region being prepared by a shared template
        self.fork_timeout = FORK_TIMEOUT + (PREPARE_TIMEOUT if self.shared else 0)
        if self.shared:
            import socket

            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(socket_path)
                self.requests = conn.makefile("w", buffering=1, encoding="utf-8")
                self.replies = conn.makefile("r", encoding="utf-8")  # these keep the connection open
            self.process = None
        else:
            req_r, req_w = os.pipe()
            rep_r, rep_w = os.pipe()
            try:
                if self.forked:
                    self.process = _fork_template(req_r, rep_w, notebooks)
                else:
                    self.process = subprocess.Popen(
                        [sys.executable, *self.flags, "-m", "qualitylib.batch.warm", str(req_r), str(rep_w),
                         *notebooks], pass_fds=(req_r, rep_w), stdin=subprocess.DEVNULL, start_new_session=True)
            finally:
                os.close(req_r)
                os.close(rep_w)
            self.requests = os.fdopen(req_w, "w", buffering=1, encoding="utf-8")
            self.replies = os.fdopen(rep_r, "r", encoding="utf-8")
        ready = self._reply(START_TIMEOUT)
        if self.shared and "pid" in ready:
            self.process = ForkedKernel(int(ready["pid"]))  # another process's child: seen by kill(pid, 0)
            self.flags = list(ready.get("flags") or [])
        if ready.get("ready") is not True:
            self.close()
            raise RuntimeError(f"warm kernel template did not start: {ready}")

    def _reply(self, timeout: float) -> dict:
        import select

        if not select.select([self.replies], [], [], timeout)[0]:
            return {"error": f"no reply in {timeout:g} s"}
        line = self.replies.readline()
        if not line:
            return {"error": "template exited"}
        return json.loads(line)

    def fork(self, argv: list[str], env: dict, cwd: str) -> int:
        """Fork a kernel child running ``IPKernelApp`` with ``argv``; its pid."""
        with self.lock:
            if self.process.poll() is not None:
                raise RuntimeError("warm kernel template is not running")
            self.requests.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
            self.requests.flush()  # a socket's text file is not line-buffered
            reply = self._reply(self.fork_timeout)
        if "pid" not in reply:
            raise RuntimeError(f"warm kernel template refused: {reply.get('error')}")
        return int(reply["pid"])

    def prepare(self, spec: dict) -> bool:
        """Ask the template to read a region and compute its shared results (:func:`qualitylib.reports.
        prelude.prepare` with ``spec``) before it forks the next kernels; whether it did."""
        with self.lock:
            if self.process.poll() is not None:
                return False
            self.requests.write(json.dumps({"prepare": spec}) + "\n")
            self.requests.flush()
            reply = self._reply(PREPARE_TIMEOUT)
        return reply.get("prepared") is True

    def close(self) -> None:
        for stream in (self.requests, self.replies):
            try:
                stream.close()
            except (OSError, AttributeError):
                pass
        if not self.shared and self.process.poll() is None:  # a shared one is the main process's to stop
            self.process.kill()
            self.process.wait()


class SharedTemplate:
    """In the main process of a run: one template for all its workers, instead of one per worker.

    The run's pool workers connect to it (:func:`enable` with its :attr:`path`) and it forks the
    kernels of all of them: the reports' imports and the region's shared results are held once on
    the machine, and the region is prepared once. It is a new interpreter (the main process may
    run threads), started at once: it imports while the workers start. When a worker's connection
    ends (it finished, or died) the template kills the kernels that worker left; when the main
    process closes it (:meth:`close`) or dies, it kills the rest and ends.
    """

    #: The socket's name in the run's folder.
    SOCKET = "template.sock"

    def __init__(self, notebooks: list[str], flags: list[str], folder: str):
        import socket

        self.path = os.path.join(folder, self.SOCKET)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.path)  # workers may connect before it is ready: they wait in the backlog
            listener.listen(64)
            control_r, self._control = os.pipe()
            try:
                self.process = subprocess.Popen(
                    [sys.executable, *flags, "-m", "qualitylib.batch.warm", "--listen", str(listener.fileno()),
                     str(control_r), *notebooks],
                    pass_fds=(listener.fileno(), control_r), stdin=subprocess.DEVNULL, start_new_session=True)
            except BaseException:
                os.close(self._control)
                raise
            finally:
                os.close(control_r)
        finally:
            listener.close()

    def close(self, timeout: float = 10.0) -> None:
        """End the template (it kills the kernels still running) and wait for it."""
        if self._control is not None:
            os.close(self._control)
            self._control = None
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def share(notebooks: list[str], kernel_name: str, folder: str) -> SharedTemplate | None:
    """In the main process: start the template the run's workers will share, where warm kernels are used.

    ``None`` where they are not (:func:`available`), for a kernel spec that is not this Python's
    ipykernel, or when the template cannot be started: each worker then has a template of its own.
    """
    if not available():
        return None
    try:
        flags = _spec_flags(kernel_name)
        if flags is None:
            return None
        return SharedTemplate(notebooks, flags, folder)
    except Exception:  # no such kernel spec, a folder path too long for a socket, no processes
        return None


def _spec_flags(kernel_name: str) -> list[str] | None:
    """The interpreter options of the kernel spec ``kernel_name`` (:func:`_interpreter_flags`): ``None``
    when it does not run this Python's ipykernel. Raises what reading the spec raises."""
    from jupyter_client.kernelspec import KernelSpecManager

    return _interpreter_flags(KernelSpecManager().get_kernel_spec(kernel_name).argv)


#: Interpreter options of a kernel spec that a template forked from the worker may do without.
#: ipykernel's own spec asks for ``-Xfrozen_modules=off`` so that a debugger sees the source of
#: the modules Python freezes; a batch kernel has no debugger (see :func:`_preload`).
FORK_IGNORES = frozenset({"-Xfrozen_modules=off"})


def start_template(notebooks: list[str], kernel_name: str = "python3", fork: bool = False,
                   shared: str | None = None) -> bool:
    """In a batch worker: start this worker's template (once); whether warm kernels are in use.

    The template runs with the interpreter options of the kernel spec ``kernel_name``; a spec
    that does not run this Python's ipykernel gets no template. With ``fork`` (a batch worker
    that has only its main thread) and a spec without other interpreter options than
    :data:`FORK_IGNORES`, the template is a fork of this process (:func:`_fork_template`);
    otherwise a new interpreter. With ``shared`` (the socket of the run's :class:`SharedTemplate`)
    the worker connects to that one, and starts its own only if it cannot.
    """
    global _TEMPLATE
    if _TEMPLATE is not None:
        return True
    if not available():
        return False
    if shared is not None:
        try:
            _TEMPLATE = Template(notebooks, [], socket_path=shared)
            return True
        except Exception:  # the shared template failed or ended: a template of this worker's own
            _TEMPLATE = None
    try:
        flags = _spec_flags(kernel_name)
        if flags is None:
            return False
        fork = fork and set(flags) <= FORK_IGNORES and threading.active_count() == 1
        _TEMPLATE = Template(notebooks, flags, fork=fork)
    except Exception:  # no such kernel spec, no processes, a template that failed: ordinary kernels
        _TEMPLATE = None
    return _TEMPLATE is not None


def enable(notebooks: list[str], fork_now: bool = False, shared: str | None = None) -> None:
    """In a batch worker: use warm kernels; the template starts with the worker's first kernel.

    With ``fork_now`` (a pool worker at the end of its initializer, before it starts a thread or
    an event loop) the template is forked from the worker at once, where that is possible: it
    then shares with the worker the interpreter and the modules both import (traitlets,
    jupyter_client, ZeroMQ, tornado and more: about 39 MiB on the sample region), instead of
    importing its own copies. Otherwise it starts, as a new interpreter, with the first kernel.
    With ``shared`` (the socket of the run's :class:`SharedTemplate`) the worker uses that one.
    """
    global _NOTEBOOKS, _TRIED
    _NOTEBOOKS = list(notebooks)
    if (fork_now or shared) and available():
        _TRIED = True
        start_template(_NOTEBOOKS, fork=fork_now, shared=shared)


def ensure_template() -> bool:
    """Start the template of :func:`enable` once (a failed start is not retried); whether one runs."""
    global _TRIED
    if _NOTEBOOKS is not None and not _TRIED:
        _TRIED = True
        start_template(_NOTEBOOKS)
    return template_running()


def prepare(data_dir: str, year: int, municipality: str | None, params_file: str | None,
            programme: str | None = None) -> bool:
    """In a batch worker: have the template read the region and compute what its municipalities share.

    The template does it once per region, year and parameters file; the kernels forked after it
    take these values from its memory (:mod:`qualitylib.reports.prelude`). Whether the template
    has them; with no template, or when preparing failed, each kernel computes them as before.
    """
    if not template_running():
        return False
    spec = {"data_dir": str(data_dir), "year": int(year), "municipality": municipality,
            "params_file": params_file, "programme": programme}
    try:
        return _TEMPLATE.prepare(spec)
    except (OSError, ValueError):
        stop_template()  # a broken template: ordinary kernels from now on
        return False


def stop_template() -> None:
    """Stop this worker's template (its kernels are stopped by :func:`qualitylib.batch.kernels.kill_kernels`)."""
    global _TEMPLATE
    if _TEMPLATE is not None:
        _TEMPLATE.close()
        _TEMPLATE = None


def template_running() -> bool:
    return _TEMPLATE is not None and _TEMPLATE.process.poll() is None


class ForkedKernel:
    """The subset of :class:`subprocess.Popen` jupyter_client uses, for a kernel forked by the template.

    The kernel is the template's child (the template reaps it), so its end is seen by ``kill(pid, 0)``.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # pragma: no cover - the pid was reused by another user's process
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        started = time.monotonic()
        while self.poll() is None:
            if timeout is not None and time.monotonic() - started > timeout:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.killpg(self.pid, signum)  # the child leads a session of its own
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _interpreter_flags(cmd: list[str]) -> list[str] | None:
    """The ``-X``/``-W`` options before ``-m ipykernel_launcher`` in a kernel command of this Python, else ``None``."""
    try:
        at = cmd.index("-m")
    except ValueError:
        return None
    if at + 1 >= len(cmd) or cmd[at + 1] != "ipykernel_launcher" or not cmd:
        return None
    flags = cmd[1:at]
    if any(not (f.startswith("-X") or f.startswith("-W")) or f in ("-X", "-W") for f in flags):
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable)
    except OSError:
        same = False
    return flags if same else None


def _kernel_argv(cmd: list[str]) -> list[str] | None:
    """The ``IPKernelApp`` arguments of a kernel command the template can fork, else ``None``."""
    flags = _interpreter_flags(cmd)
    if flags is None or _TEMPLATE is None or flags != _TEMPLATE.flags:
        return None
    return cmd[cmd.index("-m") + 2:]


class WarmProvisioner(LocalProvisioner):
    """A local provisioner whose kernels are forked by the worker's template when one runs."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        argv = _kernel_argv(cmd)
        if argv is not None and template_running():
            env = dict(kwargs.get("env") or os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            try:
                pid = _TEMPLATE.fork(argv, env, cwd)
            except (OSError, RuntimeError, ValueError):
                stop_template()  # a broken template: ordinary kernels from now on
            else:
                self.process = ForkedKernel(pid)
                self.pid = self.pgid = pid
                self.cwd = cwd
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)


class ForkedTemplate:
    """The subset of :class:`subprocess.Popen` :class:`Template` uses, for a template forked from this worker."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, flags)
            except ChildProcessError:  # reaped elsewhere
                self.returncode = 0
            else:
                if done:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int:
        return self._reap(0)

    def kill(self) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


#: The process names (``/proc/PID/comm``, shown by ``top`` and ``ps``) of a forked template and its kernels.
TEMPLATE_NAME, KERNEL_NAME = "ql-template", "ql-kernel"


def _fork_template(request_fd: int, reply_fd: int, notebooks: list[str]) -> ForkedTemplate:
    """Fork this worker into its template: the child runs :func:`main` on the two pipes, never returns.

    What the worker holds is frozen first (:func:`gc.freeze`): the collectors of neither
    process visit it, so its pages stay shared instead of being copied by a collection. The
    child undoes what the worker set for itself: its session, signal handlers, standard
    input, inherited descriptors (only the two pipes stay) and the packages a worker keeps out
    (:data:`qualitylib.batch.lean.UNUSED_WITHOUT_TABLES`: the template imports pyarrow).
    """
    import gc

    gc.collect()
    gc.freeze()
    pid = os.fork()
    if pid:
        return ForkedTemplate(pid)
    _exit_after(lambda: _become_template(request_fd, reply_fd, notebooks))


def _become_template(request_fd: int, reply_fd: int, notebooks: list[str]) -> None:
    """In the worker's forked child: drop what is the worker's, then run :func:`main`."""
    os.setsid()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    _close_inherited(keep=(request_fd, reply_fd))
    from .lean import UNUSED_WITHOUT_TABLES

    for name in UNUSED_WITHOUT_TABLES:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]
    sys.path[:] = _default_path()
    _set_name(TEMPLATE_NAME)
    main([str(request_fd), str(reply_fd), *notebooks])


def _exit_after(body) -> None:
    """In a forked child: run ``body``, then end the process with its exit code (never returns).

    ``SystemExit`` gives its code; another exception is printed on standard error (the worker's or
    the kernel's) and ends the process with 1. ``os._exit``: the parent's exit handlers, buffers
    and pool machinery are not the child's to run.
    """
    code = 1
    try:
        body()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # pragma: no cover - reported on the child's standard error
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _default_path() -> list[str]:
    """The ``sys.path`` of ``python -m qualitylib.batch.warm`` started here, as a template of its own has it.

    A worker's path is its main process's, with what that added (a script's folder, pytest's
    test folders); the kernels must see the interpreter's own. Asked of a new interpreter (a few
    hundredths of a second); on failure, this process's path.
    """
    try:
        out = subprocess.run([sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
                             capture_output=True, text=True, timeout=30, check=True, stdin=subprocess.DEVNULL)
        rest = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return list(sys.path)
    return [os.getcwd(), *rest]


def _close_inherited(keep: tuple[int, ...] = ()) -> None:
    """Close every descriptor above standard error but ``keep``."""
    low = 3
    for fd in sorted(f for f in keep if f >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, _max_fd())


def _set_name(name: str) -> None:
    """Name this process in ``/proc/PID/comm`` (Linux ``prctl(PR_SET_NAME)``; elsewhere nothing)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


# --- the template process ------------------------------------------------------------------------

def preload_statements(notebooks: list[str]) -> list[str]:
    """The import statements of the notebooks' code cells (those under ``if interactive:`` too).

    The notebooks are read as plain JSON (nbformat 4): nbformat and its validator (jsonschema
    with its format checkers, ~14 MiB) are not needed by any kernel, and what the template
    imports stays in its memory for the whole run. An older notebook format is read by nbformat.
    """
    import ast

    lines: list[str] = []
    for path in notebooks:
        try:
            cells = _code_cells(path)
        except (OSError, ValueError, TypeError, AttributeError):
            continue
        for source in cells:
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
                    line = ast.unparse(node)
                    if line not in lines:
                        lines.append(line)
    return lines


def _code_cells(path: str) -> list[str]:
    """The sources of the code cells of the notebook at ``path``."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    if not isinstance(nb, dict) or nb.get("nbformat", 0) < 4:
        import nbformat

        return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    sources = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append(source if isinstance(source, str) else "".join(source))
    return sources


#: What a kernel imports while it starts (``IPKernelApp.initialize``): imported by the template instead.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                  "IPython.core.completerlib", "IPython.core.debugger", "IPython.extensions.storemagic",
                  "sqlite3", "tornado.locks", "tornado.queues", "tornado.platform.asyncio")


#: Arrow's allocator in the template and its kernels: the C library's ``malloc``, whose free pages
#: :func:`trim_heap` gives back, instead of mimalloc, which keeps its segments (about 25 MiB more in the
#: template on the sample region, shared with every kernel and partly copied into it).
ARROW_POOL = ("ARROW_DEFAULT_MEMORY_POOL", "system")


def _preload(notebooks: list[str]) -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    os.environ.setdefault(*ARROW_POOL)
    # a batch kernel is never debugged: without debugpy, ipykernel starts no debugger (its pydevd
    # bundle is ~150 modules in every kernel); interactive kernels in JupyterLab are not forked here
    sys.modules.setdefault("debugpy", None)
    for name in KERNEL_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # another ipykernel version: the kernel imports what it needs itself
            pass

    for line in preload_statements(notebooks):
        try:
            exec(line, {})
        except Exception:  # an import the notebook itself would fail on: the kernel reports it
            pass
    if "matplotlib_inline.backend_inline" in sys.modules:
        raise RuntimeError("matplotlib's inline backend was imported before the fork")
    if sys.modules.get("pyarrow") is not None:
        # chosen now, from the template's environment (a kernel's environment is the kernel spec's)
        sys.modules["pyarrow"].default_memory_pool()
    if sys.modules.get("matplotlib") is not None:
        _warm_matplotlib()


def _warm_matplotlib() -> None:
    """Draw one small chart to a PNG and an SVG in memory, as the reports' charts are drawn (Agg at 150 dpi
    for the pictures, SVG with texts as texts for the page; Cyrillic text), so that what matplotlib
    builds on its first drawing (and the SVG backend's module) is the template's, shared by the kernels.

    Only the figure's own Agg canvas is used: not pyplot, whose backend here is the inline one (that
    must attach to each kernel's own shell), and nothing of the reports' style is changed
    (:func:`matplotlib.rc_context` restores it). Measured on Barnaul (Altai region): the kernels that draw
    hold 7-9 MiB less (PSS), and their charts are the same bytes (``benchmarks/README.md``).
    """
    from io import BytesIO

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context():
        fig = Figure(figsize=(2.0, 1.5), dpi=150)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.bar([0, 1, 2], [3, 1, 2], color="#6baed6")
        ax.plot([0, 2], [1, 2], linestyle="--", marker="o")
        ax.set_title("Выполнение заданий, %")
        ax.set_xlabel("Первичный балл")
        ax.legend(["Школа"])
        fig.tight_layout()
        fig.savefig(BytesIO(), format="png")
        matplotlib.rcParams["svg.fonttype"] = "none"  # as the inline backend's SVG charts (charts.THEME)
        fig.savefig(BytesIO(), format="svg")


def _child(request: dict) -> None:
    """In the forked child: become the kernel the request describes (never returns)."""
    _exit_after(lambda: _become_kernel(request))


def _become_kernel(request: dict) -> None:
    """Drop what is the template's, then run ``IPKernelApp`` with the request's arguments."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    _close_inherited()  # the pipes to the worker and anything else inherited
    os.environ.clear()
    os.environ.update(request["env"])
    # the kernel watches its parent, which is the template (it ends when its worker does);
    # ipykernel read this variable when the template imported it, so it is passed as an option too
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    # and it keeps no input history (an SQLite file in the home folder and a thread per kernel)
    request["argv"] = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}",
                       "--HistoryManager.enabled=False"]
    os.chdir(request["cwd"])
    _kernel_allocator()
    # the template's folder, first in its path (as ``python -m`` puts it): ipykernel_launcher
    # removes its own, and the shell puts '' before site-packages (InteractiveShellApp.init_path)
    if sys.path:
        del sys.path[0]
    _set_name(KERNEL_NAME)
    sys.argv = [sys.executable, *request["argv"]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=request["argv"])


def _prepare(spec: dict, done: dict[str, bool]) -> bool:
    """In the template: compute the shared results of ``spec`` once (an error: the kernels compute them)."""
    key = json.dumps(spec, sort_keys=True)
    if key not in done:
        from ..data.cache import keep_prepared
        from ..reports.prelude import prepare

        keep_prepared(True)
        try:
            prepare(spec["data_dir"], spec["year"], spec.get("municipality"), spec.get("params_file"),
                    spec.get("programme"))
            done[key] = True
        except Exception:  # bad data or parameters: each notebook reports them itself
            done[key] = False
        finally:
            keep_prepared(False)  # the kernels take each kept value once (see qualitylib.data.cache.prepared)
        # what the kernels inherit is never collected by them: their collector need not visit it
        # (a visit would copy the template's pages into each kernel)
        _freeze()
    return done[key]


def _freeze() -> None:
    """Move everything the template holds out of the collector's sight, and give back its free pages.

    The kernels never collect what they inherit, so their collector need not visit it (a visit
    would copy the template's pages into each kernel): :func:`gc.freeze`. The collection after
    the freeze finds the oldest generation empty, and that resets the collector's count of
    long-lived objects: otherwise a kernel would inherit the count of everything frozen and run
    no full collection until its own new long-lived objects reached a quarter of it, so the
    reference cycles it leaves (an openpyxl workbook it has written) would wait that long.
    Then :func:`trim_heap`.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.collect()
    trim_heap()


#: glibc's ``mallopt`` parameter and the size (bytes) from which a kernel's blocks get their own mapping.
M_MMAP_THRESHOLD, MMAP_THRESHOLD = -3, 128 * 1024
#: glibc's ``mallopt`` parameter for the number of heaps (arenas) a process's threads share.
M_ARENA_MAX = -8


def _kernel_allocator() -> None:
    """In a kernel: malloc's settings. Large blocks (arrays, Arrow buffers) in mappings of their own,
    given back when freed.

    glibc raises this threshold each time such a block is freed (up to 32 MiB), and the larger
    blocks then come from the heap: the kernel's freed tables stay in it, and its new ones are
    written into the template's free pages. Fixed at the default (128 KiB), the kernel writing
    the Altai region's largest task workbook held 35 MiB less.

    And one heap for all its threads (``M_ARENA_MAX``): ipykernel's threads (IOPub, heartbeat,
    control) and ZeroMQ's would each get an arena of their own, partly filled and never given
    back; with one, the largest kernel of the sample region held 82 MiB of its own instead of 82-91.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(M_ARENA_MAX, 1)
    except (OSError, AttributeError):  # not glibc
        pass


def trim_heap() -> None:
    """Return this process's free heap pages to the system (glibc ``malloc_trim``), where there is one.

    In the template: reading and preparing the region leaves freed pages in the C heap (on the
    sample region about 13 MiB, on the Altai region about 130 MiB with :data:`ARROW_POOL`): the
    template would hold them for the whole run, and a kernel that allocates in one copies it. In a
    worker: after each municipality (:func:`qualitylib.batch.runner.run_job`).
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):  # pragma: no cover
        return 4096


class _Client:
    """A worker the template serves: where its requests come from and its replies go, and its kernels.

    ``kernels`` maps a pidfd (Linux: a descriptor that names one process, never a later one with
    the same pid) to the kernel's pid; a kernel's pidfd becomes readable when the kernel ends.
    """

    def __init__(self, rfd: int, wfd: int, keep=None):
        self.rfd, self.wfd, self.keep = rfd, wfd, keep  # ``keep``: the socket object owning the descriptor
        self.buffer = b""
        self.kernels: dict[int, int] = {}

    def send(self, reply: dict) -> None:
        data = (json.dumps(reply) + "\n").encode()
        while data:
            data = data[os.write(self.wfd, data):]

    def lines(self, data: bytes) -> list[dict]:
        """The complete requests among what has been read so far."""
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in complete if line.strip()]

    def end_kernels(self) -> None:
        """Kill the kernels this worker left running (a worker that died cannot stop its own)."""
        for pidfd, pid in self.kernels.items():
            if _alive(pidfd):  # so ``pid`` is still this kernel's, and so is its process group
                try:
                    os.killpg(pid, signal.SIGKILL)  # with what it started
                except OSError:  # not yet the leader of its own session
                    _signal(pidfd, signal.SIGKILL)
            os.close(pidfd)
        self.kernels.clear()


def _alive(pidfd: int) -> bool:
    """Whether the process of ``pidfd`` still runs (so its pid, and its process group, are still its own)."""
    return _signal(pidfd, 0)


def _signal(pidfd: int, signum: int) -> bool:
    try:
        signal.pidfd_send_signal(pidfd, signum)
        return True
    except OSError:  # ended
        return False


def _pidfd(pid: int) -> int | None:
    """A pidfd of ``pid``; ``None`` where there are none (before Linux 5.3) or the process has ended."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _hello(ready: bool, error: str | None = None) -> dict:
    """The template's first line to a worker: whether it is ready, its pid and its interpreter options."""
    argv = getattr(sys, "orig_argv", [])
    flags = argv[1:argv.index("-m")] if "-m" in argv else []
    return {"ready": ready, "pid": os.getpid(), "flags": flags, **({"error": error} if error else {})}


def main(argv: list[str] | None = None) -> None:
    """The template: ``python -m qualitylib.batch.warm REQUEST_FD REPLY_FD NOTEBOOK…`` for one worker
    (the two pipes to it), or ``… --listen SOCKET_FD CONTROL_FD NOTEBOOK…`` for the workers of a run
    (:class:`SharedTemplate`: a listening Unix socket, and a pipe that ends with the main process)."""
    from .lean import skip_unused_imports

    skip_unused_imports()
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--listen":
        import socket

        listener = socket.socket(fileno=int(args[1]))
        control, clients, notebooks = int(args[2]), [], args[3:]
        _set_name(TEMPLATE_NAME)
    else:
        listener, control, clients, notebooks = None, None, [_Client(int(args[0]), int(args[1]))], args[2:]
    try:
        _preload(notebooks)
        _freeze()  # the imported modules: kernels need not visit them (see _prepare)
    except Exception as exc:
        for client in clients:
            client.send(_hello(False, f"{type(exc).__name__}: {exc}"))
        return  # a worker connecting to a template that ended falls back by itself
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped at once
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for client in clients:
        client.send(_hello(True))
    _serve(clients, listener, control)


def _serve(clients: list[_Client], listener, control: int | None) -> None:
    """Answer the workers' requests until the last worker has gone (one worker) or the run ends
    (``control`` ends: a shared template); then kill the kernels the workers left."""
    import selectors

    done: dict[str, bool] = {}
    selector = selectors.DefaultSelector()
    for client in clients:
        selector.register(client.rfd, selectors.EVENT_READ, client)
    if listener is not None:
        selector.register(listener, selectors.EVENT_READ, "listen")
        selector.register(control, selectors.EVENT_READ, "control")
    try:
        while clients or listener is not None:
            for key, _ in selector.select():
                what = key.data
                if what == "control":
                    if not os.read(control, 512):
                        return  # the main process has ended the run
                elif what == "listen":
                    conn, _ = listener.accept()
                    client = _Client(conn.fileno(), conn.fileno(), keep=conn)
                    clients.append(client)
                    selector.register(client.rfd, selectors.EVENT_READ, client)
                    try:
                        client.send(_hello(True))
                    except OSError:  # it has gone already
                        _drop(client, clients, selector)
                elif isinstance(what, tuple):  # a kernel ended
                    client, pidfd, pid = what
                    if client not in clients or client.kernels.get(pidfd) != pid:
                        continue  # forgotten earlier in this round (its worker went)
                    selector.unregister(pidfd)
                    client.kernels.pop(pidfd, None)
                    os.close(pidfd)
                elif what in clients:
                    try:
                        data = os.read(what.rfd, 65536)
                        for request in what.lines(data):
                            _answer(what, request, done, selector)
                    except (OSError, ValueError):  # a worker that died while asking, or garbled
                        data = b""
                    if not data:  # the worker has gone, or died
                        _drop(what, clients, selector)
    finally:
        for client in list(clients):
            _drop(client, clients, selector)


def _answer(client: _Client, request: dict, done: dict[str, bool], selector) -> None:
    """Prepare a region, or fork a kernel, for one request of ``client``."""
    import selectors

    if "prepare" in request:
        client.send({"prepared": _prepare(request["prepare"], done)})
        return
    if threading.active_count() != 1:
        client.send({"error": "the template runs threads"})
        return
    pid = os.fork()
    if pid == 0:
        _child(request)
    pidfd = _pidfd(pid)
    if pidfd is not None:  # before the reply: a worker gone meanwhile still takes it along
        client.kernels[pidfd] = pid
        selector.register(pidfd, selectors.EVENT_READ, (client, pidfd, pid))
    client.send({"pid": pid})


def _drop(client: _Client, clients: list[_Client], selector) -> None:
    """Forget a worker: kill the kernels it left, close its connection."""
    for pidfd in list(client.kernels):
        selector.unregister(pidfd)
    client.end_kernels()
    selector.unregister(client.rfd)
    clients.remove(client)
    if client.keep is not None:
        client.keep.close()
    else:
        for fd in {client.rfd, client.wfd}:
            os.close(fd)


if __name__ == "__main__":
    main()
