"""Live controls for JupyterLab: the same library calls as the reports, redrawn in place.

In a papermill batch the notebooks get ``interactive=False`` and none of this is shown
(batch HTML has no widgets). In JupyterLab each notebook shows an explorer: municipality,
year, methodology parameters (threshold, the same-procedure variant of criterion 2,
minimum number of participants) and a school picker; every change re-runs the library and
redraws the tables and charts. The current view's tables can be exported to Excel.
"""
from __future__ import annotations

import copy
from html import escape
import os
import datetime as _dt
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from ..views import html
from ..reports.dynamics import build_dynamics
from ..views.dynamics import (group_table, indicator_table, summary_sentences as dynamics_sentences,
                              verdict_table)
from .excel import write_workbook
from ..data.region import Region
from ..reports.identification import build_identification
from ..views.identification import heatmap, present, summary_sentences as identification_sentences
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


def reader_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of a table a reader's workbook shows: those with a Russian title, no code columns."""
    from ..views.labels import COLUMN_TITLES

    return frame[[c for c in frame.columns if c in COLUMN_TITLES and c not in CODE_COLUMNS]]


class Explorer:
    """Controls plus an output area; ``view`` is the function that draws the current state.

    Attributes
    ----------
    controls : dict of str -> ipywidgets.Widget
        ``municipality``, ``year``, ``threshold``, ``criterion_2``, ``min_participants``,
        ``school``, ``export``.
    tables : dict of str -> pandas.DataFrame
        The tables of the current view (what «Выгрузить в Excel» writes).
    card_items : list
        What the school card shows for the picked school.
    """

    def __init__(self, region: Region, params: dict, municipality: str | None, year: int, view,
                 export_dir: str | Path | None = None, name: str = "view"):
        self.region, self.base_params, self.view, self.name = region, params, view, name
        self.export_dir = Path(export_dir) if export_dir else default_export_dir()
        criteria = params["identification"]
        self.controls = {
            "municipality": widgets.Dropdown(options=region.municipalities, value=municipality,
                                             description="Муниципалитет", style={"description_width": "initial"}),
            "year": widgets.Dropdown(options=region.years[1:], value=year, description="Год"),
            "threshold": widgets.IntSlider(value=int(criteria["threshold_pct"]), min=5, max=60, step=1,
                                           description="Порог, %", continuous_update=False),
            "criterion_2": widgets.Checkbox(value=criteria["criterion_2"] == "same",
                                               description="Критерий 2: та же процедура в оба года"),
            "min_participants": widgets.IntSlider(value=int(criteria["min_participants"]), min=1, max=30,
                                                  description="Мин. участников", continuous_update=False),
            "school": widgets.Dropdown(options=[], description="Школа"),
            "export": widgets.Button(description="Выгрузить в Excel", icon="download"),
        }
        self.output = widgets.Output()
        self.started = (municipality, year, self._what_if())
        self.stale = widgets.HTML()
        self.card = widgets.Output()
        self.message = widgets.HTML()
        self.tables: dict[str, pd.DataFrame] = {}
        self.card_items: list = []
        for key in ("municipality", "year", "threshold", "criterion_2", "min_participants"):
            self.controls[key].observe(lambda _change: self.refresh(), names="value")
        self.controls["school"].observe(lambda _change: self.show_card(), names="value")
        self.controls["export"].on_click(lambda _button: self.export())
        self.refresh()

    def _what_if(self) -> tuple:
        c = self.controls
        return (c["threshold"].value, c["criterion_2"].value, c["min_participants"].value)

    def what_if(self) -> pd.DataFrame:
        """The controls' values as a sheet: what the exported tables were computed with."""
        c = self.controls
        rows = [("Муниципалитет", c["municipality"].value or "весь регион"), ("Год", c["year"].value),
                ("Порог низкого результата, %", c["threshold"].value),
                ("Критерий 2", "та же процедура в оба года" if c["criterion_2"].value
                 else "хотя бы одна низкая процедура в каждом из двух лет"),
                ("Минимум участников", c["min_participants"].value),
                ("Выгружено", f"{_dt.datetime.now():%d.%m.%Y %H:%M}")]
        return pd.DataFrame(rows, columns=["Параметр", "Значение"])

    @property
    def params(self) -> dict:
        """The base parameters with the controls' values applied."""
        params = copy.deepcopy(self.base_params)
        criteria = params["identification"]
        criteria["threshold_pct"] = self.controls["threshold"].value
        criteria["criterion_2"] = "same" if self.controls["criterion_2"].value else "any"
        criteria["min_participants"] = self.controls["min_participants"].value
        return params

    def refresh(self) -> None:
        """Re-run the library for the controls' values and redraw the view."""
        municipality = self.controls["municipality"].value
        schools = self.region.subset(municipality).schools.sort_values("school_name")
        picker = self.controls["school"]
        current = picker.value
        picker.options = list(zip(schools["school_name"], schools["school_id"]))
        if current in set(schools["school_id"]):
            picker.value = current
        now = (municipality, self.controls["year"].value, self._what_if())
        if now != self.started:
            m0, y0, (t0, _, _) = self.started
            self.stale.value = (
                '<p style="background:#ffeb9c;padding:4px 8px"><b>Панель выше пересчитана для выбранных значений. '
                f"Разделы блокнота ниже панели показывают исходный расчёт ({escape(str(m0 or 'весь регион'))}, "
                f"{y0} год, порог {t0} %)</b>: чтобы пересчитать весь отчёт, задайте значения в ячейке параметров "
                "и выполните блокнот заново (Run → Run All Cells).</p>")
        else:
            self.stale.value = ""
        self.output.clear_output(wait=True)
        with self.output:
            self.tables = self.view(self.region, municipality, self.controls["year"].value, self.params) or {}
            plt.close("all")
        if picker.value is None and len(self.tables.get("ШНОР", [])):
            picker.value = self.tables["ШНОР"]["school_id"].iloc[0]  # start with the first ШНОР
        else:
            self.show_card()

    def show_card(self) -> None:
        """Draw the school card of the picked school."""
        self.card.clear_output(wait=True)
        school = self.controls["school"].value
        if not school:
            return
        self.card_items = school_card(build_school_card(self.region, school, self.controls["year"].value,
                                                        self.params), school)
        with self.card:
            for item in self.card_items:
                display(item)
            plt.close("all")

    def export(self) -> Path:
        """Write the current view's tables to ``<export_dir>/<name>-<municipality>-<year>.xlsx``."""
        from .slug import slugify

        path = self.export_dir / (f"{self.name}-{slugify(self.controls['municipality'].value or 'region')}-"
                                  f"{self.controls['year'].value}.xlsx")
        sheets = [(title[:31], reader_columns(frame), ()) for title, frame in self.tables.items()]
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
        head = widgets.HBox([c["municipality"], c["year"]])
        method = widgets.HBox([c["threshold"], c["min_participants"], c["criterion_2"]])
        tools = widgets.HBox([c["school"], c["export"], self.message])
        return widgets.VBox([head, method, self.stale, self.output, widgets.HTML("<h3>Карточка школы</h3>"), tools,
                             self.card])

    def _ipython_display_(self):
        display(self.widget())


# --- views: each draws into the current output and returns its tables --------------------

def identification_view(region: Region, municipality, year, params) -> dict[str, pd.DataFrame]:
    ident = present(build_identification(region, municipality, year, params))
    display(html.paragraphs(identification_sentences(ident)))
    display(html.table(ident.shnor_list, ["school_name", "criterion_1", "criterion_2", "low_results",
                                          "low_results_prev", "reasons"],
                       flags={"criterion_1": "да", "criterion_2": "да"}, empty="ШНОР не выявлено."))
    display(heatmap(ident))
    return {"ШНОР": ident.shnor_list, "Риск": ident.risk_list, "Пары": ident.pairs}


def dynamics_view(region: Region, municipality, year, params) -> dict[str, pd.DataFrame]:
    d = build_dynamics(region, municipality, year, params)
    display(html.paragraphs(dynamics_sentences(d)))
    table = verdict_table(d, assessments=params["identification"]["assessments"])
    display(html.table(table, ["school_name", "assessment_title", "n_prev", "share_prev", "n_now", "share_now",
                               "change_pp", "p_value", "q_value_title", "verdict_title"],
                       empty="ШНОР прошлого года нет."))
    display(html.table(group_table(d), ["group_title", "school_name", "procedures", "share_prev", "share_now",
                                        "change_pp", "q_value_title", "verdict_title"], empty="ШНОР прошлого года нет."))
    return {"Динамика ШНОР": table, "Положительная динамика ШНОР": group_table(d),
            "Показатели": indicator_table(d.indicators, d.year)}


def monitoring_view(region: Region, municipality, year, params) -> dict[str, pd.DataFrame]:
    from ..reports.monitoring import build_monitoring
    from ..views.monitoring import note_view, summary_sentences

    from ..data.params import find_municipality_params, load_params

    local = copy.deepcopy(params)
    programme = load_params(find_municipality_params(municipality)).get("programme")
    if programme:
        local["programme"] = programme
    m = build_monitoring(region, municipality, year, local)
    display(html.paragraphs(summary_sentences(m)))
    note = note_view(m)
    display(html.table(note.indicators, ["title", "value", "target", "status_title", "prev_value", "change"],
                       status_columns=("status_title",)))
    return {"Показатели": note.indicators, "Рекомендации": note.recommendations}


VIEWS = {"identification": identification_view, "dynamics": dynamics_view, "monitoring": monitoring_view}


def explorer(region: Region, params: dict, municipality: str | None, year: int, view: str = "identification",
             export_dir: str | Path | None = None) -> Explorer:
    """The explorer of a notebook: ``view`` is ``identification``, ``dynamics`` or ``monitoring``."""
    return Explorer(region, params, municipality, year, VIEWS[view], export_dir, name=view)


__all__ = ["Explorer", "explorer", "VIEWS"]
