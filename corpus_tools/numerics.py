"""Pinned numeric kernels: the same floating-point code on every x86_64 machine.

Why this exists. The exact bits of a floating-point result depend on which machine code
computes it, and three libraries choose that code by the CPU they find:

- OpenBLAS picks a kernel per CPU family (``Haswell``, ``SkylakeX``, ``Zen``, ...);
- NumPy dispatches SIMD loops (``exp``, ``log``, reductions) by the instruction sets found;
- glibc's libm picks FMA variants of ``exp``, ``log`` and ``pow`` where the CPU has FMA.

Each choice changes results in the last bits only, but variational LDA iterates, and its
fixed point amplifies a last-bit difference into a different fifth FREX term or the fourth
decimal of a coherence score (measured on the demo corpus). Rounding the stored numbers
cannot absorb that. So wherever this project starts a Python process whose numbers are
stored or compared (``scripts/*.sh``, ``corpus-tools reproduce``'s kernels, nbval's
kernels), it pins all three to the x86-64 baseline that every machine able to run the
locked NumPy wheel has:

- ``OPENBLAS_CORETYPE=Nehalem`` (SSE4.2-era kernels, within NumPy's own baseline),
- ``NPY_ENABLE_CPU_FEATURES=<NumPy's baseline>`` (no runtime SIMD dispatch),
- ``GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,...`` (libm's portable variants),
- one thread for OpenMP and BLAS (results must not depend on the core count).

The variables are read when the libraries load, so they must be in the environment
before Python starts: :func:`pinned_environ` builds that environment for a child process,
and ``eval "$(python -m corpus_tools.numerics --export)"`` pins a shell (then start
``jupyter lab`` or your script from it). :func:`kernel_status` tells whether the current
process actually runs the pinned code.

Examples
--------
>>> env = pinned_environ({"OPENBLAS_CORETYPE": "Haswell", "HOME": "/root"})
>>> env["OPENBLAS_CORETYPE"], env["HOME"]
('Nehalem', '/root')
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "GLIBC_HWCAPS_MASK",
    "OPENBLAS_CORETYPE",
    "KernelStatus",
    "kernel_status",
    "numpy_baseline",
    "pinned_environ",
]

#: OpenBLAS kernel family used everywhere: SSE4.2-era code, which every CPU able to run
#: NumPy's x86-64-v2 baseline has (OpenBLAS reports the older families as "Katmai").
OPENBLAS_CORETYPE = "Nehalem"
#: CPU features hidden from glibc, so that libm takes its portable (non-FMA) variants.
#: glibc >= 2.33 spells them plainly, 2.26-2.32 with ``_Usable``; unknown names are ignored.
GLIBC_HWCAPS_MASK: tuple[str, ...] = (
    "AVX", "AVX2", "FMA", "FMA4", "AVX512F", "AVX512DQ", "AVX512BW", "AVX512VL",
    "AVX_Usable", "AVX2_Usable", "FMA_Usable", "FMA4_Usable", "AVX512F_Usable",
)  # fmt: skip
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_HWCAPS = "glibc.cpu.hwcaps"


def numpy_baseline() -> str:
    """NumPy's compiled-in baseline SIMD features, e.g. ``"X86_V2"``.

    Enabling only these turns off every runtime-dispatched SIMD loop.

    Examples
    --------
    >>> isinstance(numpy_baseline(), str)
    True
    """
    from numpy._core._multiarray_umath import __cpu_baseline__

    return " ".join(__cpu_baseline__)


def _glibc_tunables(current: str | None) -> str:
    """``current`` GLIBC_TUNABLES with the hwcaps mask set (other tunables are kept)."""
    kept = [t for t in (current or "").split(":") if t and not t.startswith(_HWCAPS + "=")]
    mask = ",".join(f"-{name}" for name in GLIBC_HWCAPS_MASK)
    return ":".join([*kept, f"{_HWCAPS}={mask}"])


def pinned_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return a copy of ``environ`` (default ``os.environ``) with the kernels pinned.

    Whatever a machine or user set for these variables is replaced: a researcher's CPU
    would otherwise choose other kernels. NumPy refuses ``NPY_DISABLE_CPU_FEATURES``
    together with ``NPY_ENABLE_CPU_FEATURES``, so the former is dropped.

    Parameters
    ----------
    environ : mapping, optional
        The environment to start from.

    Returns
    -------
    dict
        The environment for a child process.

    Examples
    --------
    >>> env = pinned_environ({"NPY_DISABLE_CPU_FEATURES": "AVX512F"})
    >>> "NPY_DISABLE_CPU_FEATURES" in env, env["OMP_NUM_THREADS"]
    (False, '1')
    """
    env = dict(os.environ if environ is None else environ)
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    env["OPENBLAS_CORETYPE"] = OPENBLAS_CORETYPE
    env["NPY_ENABLE_CPU_FEATURES"] = numpy_baseline()
    env["GLIBC_TUNABLES"] = _glibc_tunables(env.get("GLIBC_TUNABLES"))
    env.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
    return env


@dataclass(frozen=True)
class KernelStatus:
    """Which numeric code the current process runs.

    Attributes
    ----------
    openblas : tuple of str
        The kernel family of every loaded OpenBLAS (NumPy and SciPy each ship one).
    numpy_dispatch : tuple of str
        SIMD feature groups NumPy dispatches to beyond its baseline (empty when pinned).
    glibc_masked : bool
        Whether the libm FMA variants are masked in this process's environment.
    """

    openblas: tuple[str, ...]
    numpy_dispatch: tuple[str, ...]
    glibc_masked: bool

    @property
    def pinned(self) -> bool:
        """True when all three libraries run the pinned baseline code."""
        blas_pinned = bool(self.openblas) and set(self.openblas) == {OPENBLAS_CORETYPE}
        return blas_pinned and not self.numpy_dispatch and self.glibc_masked

    def describe(self) -> str:
        """One line for logs and manifests."""
        state = "pinned" if self.pinned else "NOT pinned"
        dispatch = ", ".join(self.numpy_dispatch) or "none"
        return (
            f"numeric kernels {state}: OpenBLAS {'/'.join(self.openblas) or 'not loaded'}, "
            f"NumPy SIMD dispatch {dispatch}, libm FMA variants "
            f"{'masked' if self.glibc_masked else 'allowed'}"
        )


def kernel_status() -> KernelStatus:
    """Report the numeric code paths this process actually uses.

    Examples
    --------
    >>> status = kernel_status()
    >>> status.describe().startswith("numeric kernels")
    True
    """
    import numpy as np  # noqa: F401  (loads NumPy's OpenBLAS, so threadpoolctl sees it)
    import scipy.linalg  # noqa: F401  (loads SciPy's OpenBLAS, which LDA's code also uses)
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    from threadpoolctl import threadpool_info

    # NumPy clears the features it was told not to use, so this is what it dispatches to.
    dispatch = tuple(f for f in __cpu_dispatch__ if __cpu_features__.get(f))
    blas = tuple(
        sorted(
            {str(i.get("architecture")) for i in threadpool_info() if i.get("user_api") == "blas"}
        )
    )
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    masked = "-FMA" in tunables and "-AVX2" in tunables
    return KernelStatus(openblas=blas, numpy_dispatch=dispatch, glibc_masked=masked)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m corpus_tools.numerics``: print the pinned variables or the status."""
    parser = argparse.ArgumentParser(
        prog="python -m corpus_tools.numerics",
        description="Pin OpenBLAS, NumPy and libm to the x86-64 baseline code paths.",
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help='print shell lines to pin a shell: eval "$(python -m corpus_tools.numerics --export)"',
    )
    args = parser.parse_args(argv)
    if not args.export:
        print(kernel_status().describe())
        return 0
    env = pinned_environ({k: v for k, v in os.environ.items() if k == "GLIBC_TUNABLES"})
    print("unset NPY_DISABLE_CPU_FEATURES")
    for name in ("OPENBLAS_CORETYPE", "NPY_ENABLE_CPU_FEATURES", "GLIBC_TUNABLES",
                 *_THREAD_VARIABLES):  # fmt: skip
        print(f"export {name}={shlex.quote(env[name])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
