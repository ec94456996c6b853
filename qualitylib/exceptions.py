"""The exceptions of qualitylib, in one place; each carries the context a user needs.

Every error the user can fix derives from :class:`QualitylibError` and has a Russian message
that names what is wrong and where:

* :class:`DataValidationError` — input tables break the data contract (every :class:`Problem`);
* :class:`TableReadError` — a file cannot be read as a table at all;
* :class:`ParamsError` — a parameters file breaks its specification (and :class:`ScalesError`
  for the ВПР marks scales);
* :class:`UnknownMunicipalityError` — a municipality asked for is not in the data;
* :class:`FisOkoError` — a ФИС ОКО export cannot be imported at all;
* :class:`UsageError` — a wrong command-line argument.

The command line maps them to exit codes (1 for data and parameters, 2 for usage); anything
else is a bug and is reported as one.
"""
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


class QualitylibError(Exception):
    """Base of the errors a user can fix; the message is Russian."""


class DataValidationError(QualitylibError, ValueError):
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


class TableReadError(QualitylibError):
    """A file could not be read as a table; carries the :class:`Problem` list."""

    def __init__(self, *problems: Problem):
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class EmptyTableError(TableReadError):
    """A table file with a header and no row under it (an unfilled template)."""


class ParamsError(QualitylibError, ValueError):
    """Parameters that break the specification; the message lists every problem in Russian.

    Parameters
    ----------
    problems : list of str
        One Russian sentence per problem.
    file : str
        The parameters file (as the user named it).
    """

    def __init__(self, problems: list[str], file: str):
        self.problems = problems
        self.file = file
        super().__init__(f"Параметры «{file}» содержат ошибки:\n" + "\n".join(f"- {p}" for p in problems))


class ScalesError(ParamsError):
    """The scales file breaks its specification; the message lists every problem in Russian."""


class UnknownMunicipalityError(QualitylibError, LookupError):
    """Municipalities asked for are not in the region's data.

    Parameters
    ----------
    names : list of str
        The names not found.
    known : list of str
        The municipalities the data have.
    """

    def __init__(self, names: list[str], known: list[str]):
        self.names, self.known = list(names), list(known)
        head = ("Муниципалитет «" + self.names[0] + "» не найден в данных" if len(self.names) == 1
                else "Муниципалитеты не найдены в данных: " + ", ".join(self.names))
        super().__init__(f"{head}. Есть: {', '.join(self.known)}.")


class FisOkoError(QualitylibError, ValueError):
    """The import cannot run at all (no folder, no readable work file); Russian message."""


class UsageError(QualitylibError):
    """A wrong argument the user can fix (exit code 2)."""
