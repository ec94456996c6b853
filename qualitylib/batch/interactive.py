"""Live controls for JupyterLab: the whole notebook follows them.

Each notebook computes its report once into a :class:`Sections` object (``live``) and draws
every section through it: a cell registers a small function of the current state
(``@live.section``). In a papermill batch (``interactive=False``) the function is simply
called and its output stays in the cell — static HTML, no widgets. In JupyterLab each section
is drawn into an output area, and the explorer under the heading (municipality, year,
methodology parameters — threshold, the same-procedure variant of criterion 2, minimum number
of participants; in 04 the work and the mastery thresholds — and a school picker) recomputes
the state and redraws every section of the notebook, the summary and the appendix included.
«Выгрузить в Excel» writes the current tables, without code columns and with a sheet of the
parameters they were computed with, under the JupyterLab root.
"""
from __future__ import annotations

import copy
from html import escape
import os
import datetime as _dt
from pathlib import Path
from types import SimpleNamespace

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from matplotlib.figure import Figure

from ..views import html
from ..reports.dynamics import build_dynamics
from ..views.dynamics import group_table, indicator_table, verdict_table
from .excel import write_workbook
from ..data.region import Region
from ..reports.identification import build_identification
from ..views.identification import present
from ..reports.school_card import build_school_card
from ..views.school_card import school_card


#: Columns of codes a reader's export leaves out (their words are in other columns).
CODE_COLUMNS = {"school_id", "leader_id", "deficit_codes", "labs_codes", "low_assessments", "assessment", "verdict",
                "method", "status", "id", "hidden", "programme", "q_value", "level"}


def default_export_dir() -> Path:
    """Where «Выгрузить в Excel» writes: ``QUALITYLIB_EXPORT``, else ``exports/`` beside the notebook (the
    kernel's working folder, inside the JupyterLab root, so the file can be downloaded from Lab)."""
    value = os.environ.get("QUALITYLIB_EXPORT")
    return Path(value) if value else Path.cwd() / "exports"


#: Russian headers of code columns in tables the views already title in Russian (04).
CODE_TITLES = {"Код ОО", "q (Бенджамини — Хохберг)"}


def reader_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of a table a reader's workbook shows: those with a Russian title (a key of
    :data:`~qualitylib.views.labels.COLUMN_TITLES`, or already a Russian header), no code columns."""
    import re

    from ..views.labels import COLUMN_TITLES

    def shown(c) -> bool:
        if c in CODE_COLUMNS or c in CODE_TITLES:
            return False
        return c in COLUMN_TITLES or bool(re.search("[а-яё]", str(c), re.I))

    return frame[[c for c in frame.columns if shown(c)]]


# --- the state of a notebook: its report for one municipality, year and parameters ----------

def _identification(region, municipality, year, params, public=False, **_):
    return {"ident": present(build_identification(region, municipality, year, params, public=public))}


def _dynamics(region, municipality, year, params, public=False, **_):
    from ..views.labels import assessment_title

    titles = {a: assessment_title(a) for a in params["identification"]["assessments"]
              + params["dynamics"]["diagnostics"]}
    return {"d": build_dynamics(region, municipality, year, params, public=public), "titles": titles}


def _monitoring(region, municipality, year, params, public=False, as_of=None, **_):
    from ..reports.monitoring import build_monitoring
    from ..views.monitoring import note_view

    m = build_monitoring(region, municipality, year, params, as_of=as_of, public=public)
    return {"m": m, "note": note_view(m)}


def _tasks(region, municipality, year, params, public=False, work=None, **_):
    from ..reports.tasks import build_tasks

    t = build_tasks(region, municipality, year, params, public=public)
    every = list(t.analysis["assessment"].drop_duplicates())
    return {"t": t, "works": [work] if work in every else every}


BUILDERS = {"identification": _identification, "dynamics": _dynamics, "monitoring": _monitoring, "tasks": _tasks}


def _tables_identification(r) -> dict[str, pd.DataFrame]:
    return {"ШНОР": r.ident.shnor_list, "Риск": r.ident.risk_list, "Пары": r.ident.pairs}


def _tables_dynamics(r) -> dict[str, pd.DataFrame]:
    return {"Динамика ШНОР": verdict_table(r.d, assessments=r.params["identification"]["assessments"]),
            "Положительная динамика ШНОР": group_table(r.d), "Показатели": indicator_table(r.d.indicators, r.d.year)}


def _tables_monitoring(r) -> dict[str, pd.DataFrame]:
    return {"Показатели": r.note.indicators, "Рекомендации": r.note.recommendations}


def _tables_tasks(r) -> dict[str, pd.DataFrame]:
    from ..views import tasks as views

    done = views.tasks_sheet(r.t)
    done = done[done["Работа"].isin({views.assessment_title(w) for w in r.works})]
    return {"Дефициты": views.deficits_sheet(r.t), "Выполнение заданий": done,
            "Рекомендации": views.recommendations(r.t)}


TABLES = {"identification": _tables_identification, "dynamics": _tables_dynamics, "monitoring": _tables_monitoring,
          "tasks": _tables_tasks}


def _call(render, state: SimpleNamespace):
    """Call a section with the state's values its arguments name (``def show(ident, params): …``)."""
    import inspect

    names = list(inspect.signature(render).parameters)
    return render(**{name: getattr(state, name) for name in names})


def _show(value) -> list:
    """Display what a section returned: nothing, one object or a list of them; figures are closed.

    Returns the objects displayed.
    """
    if value is None:
        return []
    items = [item for item in (value if isinstance(value, (list, tuple)) else [value]) if item is not None]
    for item in items:
        display(item)
        if isinstance(item, Figure):
            plt.close(item)
    return items


class Sections:
    """A notebook's state and the sections drawn from it.

    Attributes
    ----------
    kind : str
        ``identification``, ``dynamics``, ``monitoring`` or ``tasks``.
    state : types.SimpleNamespace
        ``region``, ``municipality``, ``year``, ``params``, ``public`` and the report
        (``ident``; ``d`` and ``titles``; ``m`` and ``note``; ``t`` and ``works``). A section
        is a function whose arguments name the values it reads.
    interactive : bool
        ``False`` (batch): a section is drawn once, into its own cell.
    shown : list of list of dict
        In JupyterLab: per section, the outputs (MIME bundles) it drew last time (what a test
        reads: the output areas themselves are filled by the browser).
    """

    def __init__(self, kind: str, region: Region, municipality, year: int, params: dict, public: bool = False,
                 interactive: bool = False, **options):
        self.kind, self.interactive, self.options = kind, bool(interactive), dict(options)
        self.sections: list[tuple[widgets.Output | None, object]] = []
        self.shown: list[list] = []
        self.state = self._build(region, municipality, year, params, public)

    def _build(self, region, municipality, year, params, public) -> SimpleNamespace:
        parts = BUILDERS[self.kind](region, municipality, year, params, public=public, **self.options)
        # ``figures``: the charts the sections drew, by name, for the Word document (drawn once)
        return SimpleNamespace(region=region, municipality=municipality, year=int(year), params=params,
                               public=public, figures={}, **parts)

    def section(self, render):
        """Register and draw a section: ``render(state)`` displays or returns what the section shows."""
        if not self.interactive:  # batch: drawn once; open figures are shown by the inline backend
            _show(_call(render, self.state))
            return render
        out = widgets.Output()
        self.sections.append((out, render))
        self.shown.append([])
        self._draw(len(self.sections) - 1)
        display(out)
        return render

    def _draw(self, index: int) -> None:
        from IPython.utils.capture import capture_output

        out, render = self.sections[index]
        with capture_output(stdout=True, stderr=False, display=True) as captured:
            _show(_call(render, self.state))
            for number in plt.get_fignums():  # a chart the section drew and left open
                display(plt.figure(number))
            plt.close("all")
        out.clear_output(wait=True)
        with out:
            if captured.stdout:
                print(captured.stdout, end="")
            for item in captured.outputs:
                item.display()
        self.shown[index] = [item.data for item in captured.outputs]

    def update(self, municipality, year: int, params: dict, **options) -> None:
        """Recompute the state for new values and redraw every registered section."""
        self.options.update(options)
        self.state = self._build(self.state.region, municipality, year, params, self.state.public)
        for index in range(len(self.sections)):
            self._draw(index)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables of the current state, as «Выгрузить в Excel» writes them."""
        return TABLES[self.kind](self.state)


def report_sections(kind: str, region: Region, municipality, year: int, params: dict, public: bool = False,
                    interactive: bool = False, **options) -> Sections:
    """The state and sections of a notebook (see :class:`Sections`); ``options``: ``as_of`` (03), ``work`` (04)."""
    return Sections(kind, region, municipality, year, params, public=public, interactive=interactive, **options)


class Explorer:
    """The controls of a notebook in JupyterLab: every change redraws the whole notebook.

    Attributes
    ----------
    controls : dict of str -> ipywidgets.Widget
        ``municipality``, ``year``, ``school``, ``export``; in 01–03 ``threshold``,
        ``criterion_2``, ``min_participants``; in 04 ``work``, ``basic_mastered``,
        ``basic_not_mastered``, ``advanced_mastered``, ``advanced_not_mastered``.
    live : Sections
        The notebook's sections, redrawn on every change.
    tables : dict of str -> pandas.DataFrame
        The tables of the current view (what «Выгрузить в Excel» writes).
    card_items : list
        What the card shows for the picked school.
    """

    def __init__(self, live: Sections, export_dir: str | Path | None = None):
        self.live = live
        state = live.state
        self.region, self.kind, self.name = state.region, live.kind, live.kind
        self.base_params = state.params
        self.export_dir = Path(export_dir) if export_dir else default_export_dir()
        style = {"description_width": "initial"}
        self.controls = {
            "municipality": widgets.Dropdown(options=state.region.municipalities, value=state.municipality,
                                             description="Муниципалитет", style=style),
            "year": widgets.Dropdown(options=state.region.years[1:], value=state.year, description="Год"),
        }
        if self.kind == "tasks":
            tp = state.params["tasks"]
            works = list(state.t.analysis["assessment"].drop_duplicates())
            self.controls["work"] = widgets.Dropdown(
                options=[("все работы", "")] + [(_work_title(w), w) for w in works], value="",
                description="Работа", style=style, layout=widgets.Layout(width="320px"))
            for key, title in (("basic_mastered", "Базовый: освоено от, %"),
                               ("basic_not_mastered", "Базовый: не освоено ниже, %"),
                               ("advanced_mastered", "Повышенный и высокий: освоено от, %"),
                               ("advanced_not_mastered", "Повышенный и высокий: не освоено ниже, %")):
                self.controls[key] = widgets.BoundedFloatText(
                    value=float(tp[f"{key}_pct"]), min=0, max=100, step=0.5, description=title,
                    style={"description_width": "300px"}, layout=widgets.Layout(width="400px"))
        else:
            criteria = state.params["identification"]
            self.controls.update({
                "threshold": widgets.IntSlider(value=int(criteria["threshold_pct"]), min=5, max=60, step=1,
                                               description="Порог, %", continuous_update=False),
                "criterion_2": widgets.Checkbox(value=criteria["criterion_2"] == "same",
                                                description="Критерий 2: та же процедура в оба года"),
                "min_participants": widgets.IntSlider(value=int(criteria["min_participants"]), min=1, max=30,
                                                      description="Мин. участников", continuous_update=False),
            })
        self.controls["school"] = widgets.Dropdown(options=[], description="Школа",
                                                   layout=widgets.Layout(width="640px"))  # full names
        self.controls["export"] = widgets.Button(description="Выгрузить в Excel", icon="download")
        self.card = widgets.Output()
        self.message = widgets.HTML()
        self.tables: dict[str, pd.DataFrame] = {}
        self.card_items: list = []
        self._municipality = state.municipality
        for key, control in self.controls.items():
            if key not in ("school", "export"):
                control.observe(lambda _change: self.refresh(), names="value")
        self.controls["school"].observe(lambda _change: self.show_card(), names="value")
        self.controls["export"].on_click(lambda _button: self.export())
        self.refresh(redraw=False)

    def what_if(self) -> pd.DataFrame:
        """The controls' values as a sheet: what the exported tables were computed with."""
        c = self.controls
        rows = [("Муниципалитет", c["municipality"].value or "весь регион"), ("Год", c["year"].value)]
        if self.kind == "tasks":
            rows += [("Работа", _work_title(c["work"].value) if c["work"].value else "все работы"),
                     ("Базовый уровень: освоено от, %", c["basic_mastered"].value),
                     ("Базовый уровень: не освоено ниже, %", c["basic_not_mastered"].value),
                     ("Повышенный и высокий уровень: освоено от, %", c["advanced_mastered"].value),
                     ("Повышенный и высокий уровень: не освоено ниже, %", c["advanced_not_mastered"].value)]
        else:
            rows += [("Порог низкого результата, %", c["threshold"].value),
                     ("Критерий 2", "та же процедура в оба года" if c["criterion_2"].value
                      else "хотя бы одна низкая процедура в каждом из двух лет"),
                     ("Минимум участников", c["min_participants"].value)]
        rows.append(("Выгружено", f"{_dt.datetime.now():%d.%m.%Y %H:%M}"))
        return pd.DataFrame(rows, columns=["Параметр", "Значение"])

    @property
    def params(self) -> dict:
        """The municipality's parameters with the controls' values applied."""
        params = copy.deepcopy(self.base_params)
        c = self.controls
        if self.kind == "tasks":
            for key in ("basic_mastered", "basic_not_mastered", "advanced_mastered", "advanced_not_mastered"):
                params["tasks"][f"{key}_pct"] = float(c[key].value)
        else:
            criteria = params["identification"]
            criteria["threshold_pct"] = c["threshold"].value
            criteria["criterion_2"] = "same" if c["criterion_2"].value else "any"
            criteria["min_participants"] = c["min_participants"].value
        return params

    def _municipality_params(self, municipality) -> dict:
        from ..data.municipality import municipality_params

        return municipality_params(municipality, schools=self.region.schools, known=self.region.municipalities)

    def refresh(self, redraw: bool = True) -> None:
        """Recompute the notebook for the controls' values and redraw all its sections."""
        municipality = self.controls["municipality"].value
        if municipality != self._municipality:  # another municipality: its own methodology and programme
            self.base_params, self._municipality = self._municipality_params(municipality), municipality
        if redraw:
            options = {"work": self.controls["work"].value or None} if self.kind == "tasks" else {}
            self.live.update(municipality, self.controls["year"].value, self.params, **options)
        self.tables = self.live.tables()
        schools = self.region.subset(municipality).schools.sort_values("school_name")
        picker = self.controls["school"]
        current = picker.value
        picker.options = list(zip(schools["school_name"], schools["school_id"]))
        if current in set(schools["school_id"]):
            picker.value = current
        first = self._first_school()
        if picker.value is None and first is not None:
            picker.value = first  # start with the first ШНОР (fires show_card)
        else:
            self.show_card()

    def _first_school(self):
        s = self.live.state
        if self.kind == "tasks":
            ids = list(s.t.focus["school_id"])
        else:
            shnor = self.tables.get("ШНОР")
            ids = list(shnor["school_id"]) if shnor is not None else []
            if not ids and self.kind == "dynamics":
                ids = list(s.d.shnor_ids) if hasattr(s.d, "shnor_ids") else []
        return ids[0] if ids else None

    def show_card(self) -> None:
        """Draw the card of the picked school (in 04: its deficits and weakest skills)."""
        self.card.clear_output(wait=True)
        school = self.controls["school"].value
        if not school:
            return
        if self.kind == "tasks":
            self.card_items = _task_card(self.live.state.t, school)
        else:
            self.card_items = school_card(build_school_card(self.region, school, self.controls["year"].value,
                                                            self.params), school)
        with self.card:
            for item in self.card_items:
                display(item)
            plt.close("all")

    def export(self) -> Path:
        """Write the current tables to ``<export_dir>/<name>-<municipality>-<year>.xlsx``."""
        from .slug import slugify

        path = self.export_dir / (f"{self.name}-{slugify(self.controls['municipality'].value or 'region')}-"
                                  f"{self.controls['year'].value}.xlsx")
        sheets = [(title[:31], reader_columns(frame), ("Дефицит",)) for title, frame in self.tables.items()]
        sheets.append(("Параметры расчёта", self.what_if(), ()))
        where = self.controls["municipality"].value or "весь регион"
        write_workbook(path, sheets, caption=f"{where}, {self.controls['year'].value}")
        try:
            link = Path(os.path.relpath(path, Path.cwd())).as_posix()
        except ValueError:  # another drive (Windows)
            link = path.as_posix()
        name = escape(path.name)
        if link.startswith(".."):  # outside the Lab root: no link Lab could serve
            self.message.value = f"Сохранено: {escape(str(path))} ({_dt.datetime.now():%H:%M:%S})"
        else:
            self.message.value = (f'Сохранено: <a href="{escape(link)}" download="{name}" '
                                  f'target="_blank">{name}</a> ({_dt.datetime.now():%H:%M:%S})')
        return path

    def widget(self) -> widgets.Widget:
        c = self.controls
        head = widgets.HBox([c["municipality"], c["year"]] + ([c["work"]] if self.kind == "tasks" else []))
        if self.kind == "tasks":
            method = widgets.VBox([widgets.HBox([c["basic_mastered"], c["basic_not_mastered"]]),
                                   widgets.HBox([c["advanced_mastered"], c["advanced_not_mastered"]])])
        else:
            method = widgets.HBox([c["threshold"], c["min_participants"], c["criterion_2"]])
        note = widgets.HTML('<p class="ql-note">Любое изменение пересчитывает весь блокнот ниже.</p>')
        card = "Дефициты школы" if self.kind == "tasks" else "Карточка школы"
        tools = widgets.HBox([c["school"], c["export"], self.message])
        return widgets.VBox([head, method, note, widgets.HTML(f"<h3>{card}</h3>"), tools, self.card])

    def _ipython_display_(self):
        display(self.widget())


def _work_title(work: str) -> str:
    from ..views.labels import assessment_title

    return assessment_title(work)


def _task_card(t, school: str) -> list:
    """What 04's card shows for a school: its deficits by task and its weakest skills against the region."""
    from ..views import tasks as views

    names = t.analysis.drop_duplicates("school_id").set_index("school_id")["school_name"]
    if school not in names.index:
        return [html.paragraphs(["Данных по заданиям ВПР у этой школы за этот год нет."])]
    d = t.deficits[(t.deficits["school_id"] == school) & ~t.deficits["hidden"].astype(bool)]
    table = pd.DataFrame({"Работа": d["assessment"].map(views.assessment_title), "Задание": d["task"],
                          "Уровень": d["level"].map(views.LEVEL_TITLES),
                          "Выполнение в школе, %": d["success_pct"].round(1),
                          "Выполнение в регионе, %": d["region_success_pct"].round(1)})
    return [html.paragraphs([f"{names[school]}: дефицитов по заданиям — {len(d)}."]),
            html.table(table, empty="Значимых дефицитов по заданиям нет."),
            *([html.paragraphs([views.weakest_skills_sentence(t, school)])] if school in set(t.focus["school_id"]) else [])]


def explorer(live: Sections, export_dir: str | Path | None = None) -> Explorer:
    """The explorer of a notebook's sections (see :class:`Sections`)."""
    return Explorer(live, export_dir)


__all__ = ["Explorer", "Sections", "explorer", "report_sections", "reader_columns"]
