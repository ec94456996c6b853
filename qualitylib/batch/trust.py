"""Executed notebooks marked as trusted, so that JupyterLab draws their charts when an analyst opens them.

The kernels show the page charts as SVG (:data:`qualitylib.views.charts.INLINE_FORMAT`), and
JupyterLab renders SVG only from a trusted notebook (for an untrusted output it takes a safe
renderer, and the SVG one is not): an executed notebook from the output folder, opened as it
is, showed the figure's text, ``<Figure size …>``, in place of each chart. A notebook counts
as trusted when its signature is in the user's Jupyter signature store (the same one
``jupyter trust`` and JupyterLab's own saving write to, under the Jupyter data folder). The
batch signs each notebook it has executed, as JupyterLab signs a notebook it has run and saved.
Only the notebook as written is trusted: a changed file is not.
"""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

#: The notary of this process (opened on first use), or ``False`` once signing has failed here.
_NOTARY = None


def trust(nb) -> bool:
    """Record ``nb`` (a notebook node, as read from its file) as trusted in the user's signature store.

    A store that cannot be opened or written (a read-only home folder, a locked database) is
    not an error of the run: the notebook stays untrusted, as without this step, one warning
    says so and this process does not try again. Returns whether the notebook was signed.
    """
    global _NOTARY
    if _NOTARY is False:
        return False
    try:
        if _NOTARY is None:
            from nbformat.sign import NotebookNotary

            _NOTARY = NotebookNotary()
        _NOTARY.sign(nb)
        return True
    except Exception as exc:  # sqlite3, OSError: whatever the store raises
        _NOTARY = False
        logger.warning("Исполненные блокноты не отмечены как доверенные (%s): JupyterLab покажет их графики "
                       "после команды «Доверять блокноту».", exc)
        return False


def reset() -> None:
    """Forget this process's notary (tests; a changed Jupyter data folder)."""
    global _NOTARY
    _NOTARY = None
