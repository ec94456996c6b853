"""Problems found in input data, with Russian messages that name where they are."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one place of one input file.

    Parameters
    ----------
    file : str
        File name as the user sees it (relative to the region folder).
    message : str
        What is wrong and what was expected, in Russian.
    sheet : str, optional
        Sheet name for XLSX files.
    row : int, optional
        Row number as Excel (or a text editor) shows it; the header is row 1.
    column : str, optional
        Column header as written in the file.
    value : str, optional
        The offending value as written.
    severity : str
        ``"error"`` blocks loading; ``"warning"`` is reported only.
    """

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = "error"

    def format(self) -> str:
        """Return the problem as one Russian sentence."""
        where = [f"файл «{self.file}»"]
        if self.sheet:
            where.append(f"лист «{self.sheet}»")
        if self.row is not None:
            where.append(f"строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        text = ", ".join(where)
        if self.value is not None:
            text += f": значение «{self.value}»"
        kind = "Ошибка" if self.severity == "error" else "Предупреждение"
        return f"{kind}: {text} — {self.message}"


class DataValidationError(ValueError):
    """Raised when input data break the data contract; carries every problem found."""

    def __init__(self, problems: list[Problem], source: str = ""):
        self.problems = list(problems)
        self.source = source
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"Данные {source} не прошли проверку" if source else "Данные не прошли проверку"
        lines = [f"{head}: ошибок — {len(errors)}."]
        lines += [p.format() for p in errors[:50]]
        if len(errors) > 50:
            lines.append(f"… и ещё {len(errors) - 50} (полный список — `python -m qualitylib validate`).")
        super().__init__("\n".join(lines))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
