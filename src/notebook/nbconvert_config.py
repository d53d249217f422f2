"""nbconvert configuration used by src/notebook/execute.ts (`jupyter nbconvert --config <this file>`).

`nbconvert --execute` stops at the first failing cell and writes nothing, so the user never sees
the outputs that led to the failure. This preprocessor executes the same way (same client, same
stop-at-first-error) but, when a cell fails, first saves the partly executed notebook to
$WORKBENCH_NBCONVERT_PARTIAL, with `metadata.workbench.error` naming the cell, then re-raises so
nbconvert still exits non-zero. Kernel name and timeout come from --ExecutePreprocessor.* options.

With $WORKBENCH_NBCONVERT_TRUST=1 the executed notebook is also signed with the user's notebook
secret (what `jupyter trust` does), so Jupyter opens it trusted, outputs shown; Debian ships the
`jupyter trust` command in a separate package, nbformat's signing code is always there.
"""
import os

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor
from nbformat.sign import NotebookNotary


class WorkbenchExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor that saves the partly executed notebook when a cell fails, and numbers
    the executed code cells (tslab's replies carry no execution count, so the copies had none)."""

    def preprocess(self, nb, resources=None, km=None):
        nb, resources = super().preprocess(nb, resources, km=km)
        if os.environ.get("WORKBENCH_NBCONVERT_TRUST") == "1":
            NotebookNotary().sign(nb)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except Exception as err:  # a failing cell, a timeout or a dead kernel alike
            self._save_partial(cell, index, err)
            raise
        finally:
            self._number(cell)

    def _number(self, cell):
        if cell.get("cell_type") != "code" or not cell.get("source", "").strip():
            return
        self._count = getattr(self, "_count", 0) + 1
        if cell.get("execution_count") is None:
            cell["execution_count"] = self._count

    def _save_partial(self, cell, index, err):
        target = os.environ.get("WORKBENCH_NBCONVERT_PARTIAL")
        if not target:
            return
        lines = str(err).strip().splitlines()
        self.nb.metadata["workbench"] = {
            "error": {
                "cell_index": index,
                "cell_id": cell.get("id"),
                "exception": type(err).__name__,
                "ename": getattr(err, "ename", None) or type(err).__name__,
                "evalue": getattr(err, "evalue", None) or (lines[-1] if lines else ""),
            }
        }
        tmp = target + ".partial"
        nbformat.write(self.nb, tmp)
        os.replace(tmp, target)


c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.NotebookExporter.preprocessors = [WorkbenchExecutePreprocessor]
c.WorkbenchExecutePreprocessor.enabled = True
c.WorkbenchExecutePreprocessor.record_timing = True
