"""Small Solara components shared by the dashboard pages."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pandas as pd
import solara
from ipyvuetify.extra import FileInput

from nanosim.dashboard import catalogue
from nanosim.errors import NanosimError, ScenarioError, one_line

SCREEN_DPI = 90


def figure_png(fig, dpi: int = SCREEN_DPI) -> bytes:
    """A matplotlib figure as PNG bytes; the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


@solara.component
def FigureCard(title: str, png: bytes, filename: str | None = None):
    """A figure (PNG) with its title and, if ``filename`` is given, a download button."""
    with solara.Card(title, classes=["nanosim-figure"], style={"margin-bottom": "12px"}):
        solara.Image(png, format="png", width="100%")
        if filename:
            solara.FileDownload(png, filename=filename, label=f"Download {filename}",
                                mime_type="image/png")


@solara.component
def ChartCard(title: str, option: dict | None, png: Callable[[], bytes], filename: str):
    """An interactive chart (ECharts ``option``) with a download of its matplotlib version
    (``png()``, drawn when asked for); without an option, that PNG is drawn and shown."""
    with solara.Card(title, classes=["nanosim-figure"]):
        if option is not None:
            solara.FigureEcharts(option, responsive=True,
                                 attributes={"style": "height: 380px; width: 100%;",
                                             "class": "nanosim-chart",
                                             "role": "img",
                                             "aria-label": option["aria"]["label"][
                                                 "description"]})
        else:
            _DrawnPng(png, title)
        solara.FileDownload(png, filename=filename, mime_type="image/png",
                            label=f"Download {filename} (publication quality)")


@solara.component
def _DrawnPng(png: Callable[[], bytes], title: str):
    drawn = solara.lab.use_task(png, dependencies=[], raise_error=False)  # once per mount
    if drawn.finished and drawn.value:
        solara.Image(drawn.value, format="png", width="100%")
    elif drawn.error:
        ErrorLine(error_text(drawn.exception))
    else:
        solara.ProgressLinear(True)


def format_cell(value, digits: int = 4, signed: bool = True) -> str:
    """How a table cell is shown: floats with ``digits`` decimals and a sign (a setting,
    ``signed=False``, as given)."""
    if isinstance(value, float | np.floating):
        return f"{value:+.{digits}f}" if signed else f"{value:g}"
    return str(value)


@solara.component
def DataTable(df: pd.DataFrame, digits: int = 4, classes: list[str] | None = None,
              settings: tuple[str, ...] = ()):
    """A plain HTML table of ``df`` (numbers shown with ``digits`` decimals; the columns
    named in ``settings``, such as swept values, as given)."""

    head = solara.v.Html(tag="thead", children=[solara.v.Html(tag="tr", children=[
        solara.v.Html(tag="th", children=[str(c)]) for c in df.columns])])
    signed = [c not in settings for c in df.columns]
    body = solara.v.Html(tag="tbody", children=[
        solara.v.Html(tag="tr", children=[
            solara.v.Html(tag="td", children=[format_cell(v, digits, s)])
            for v, s in zip(row, signed, strict=True)])
        for row in df.itertuples(index=False)])
    solara.v.SimpleTable(dense=True, class_=" ".join(classes or []), children=[head, body])


@solara.component
def CommitSlider(label: str, value: float, low: float, high: float, step: float,
                 on_commit: Callable[[float], None]):
    """A slider that reports its value when released (not at every pixel of a drag)."""
    shown, set_shown = solara.use_state(value)
    solara.use_effect(lambda: set_shown(value), [value])
    with solara.Column(gap="0px", classes=["nanosim-slider"]):  # label above: long ones fit
        solara.Text(f"{label}: {shown:g}", style={"font-size": "0.85em"})
        slider = solara.v.Slider(v_model=shown, on_v_model=set_shown, min=low, max=high,
                                 step=step, thumb_label=True, hide_details=True)
        solara.v.use_event(slider, "change", lambda *args: on_commit(args[-1]))


def parse_whole(text: str, low: int, high: int, optional: bool = False):
    """A typed whole number in low..high: ``(value, None)``, or ``(None, what is wrong)``."""
    text = (text or "").strip().replace(",", "").replace("_", "")
    if not text:
        return None, (None if optional else "required")
    try:
        value = int(text)
    except ValueError:
        return None, f"a whole number, {low:,}..{high:,}"
    if not low <= value <= high:
        return None, f"{low:,}..{high:,}"
    return value, None


@solara.component
def WholeField(label: str, text: str, problem: str | None, on_text: Callable[[str], None]):
    """A text field for a whole number that says at once what is wrong with what is typed."""
    solara.InputText(label, value=text, on_value=on_text, continuous_update=True,
                     error=problem or False, message=problem)


def error_text(error: BaseException) -> str:
    """What a page says of an error: a user's error in one line, naming a file but not its
    folders; any other by its kind only (its text may quote a file)."""
    if isinstance(error, ScenarioError):
        return error.brief()
    if isinstance(error, NanosimError):
        return one_line(str(error))
    return f"unexpected {type(error).__name__}"


@solara.component
def ErrorLine(message: str | None):
    """One line saying what is wrong (nothing when there is no message)."""
    if message:
        solara.Error(message, classes=["nanosim-error"], style={"white-space": "pre-wrap"})


@solara.component
def ScenarioUpload(on_entry: Callable[[catalogue.Entry], None],
                   on_error: Callable[[str], None]):
    """A file picker for a scenario TOML; valid files become entries, invalid ones an error."""

    def received(name: str, data: bytes):
        try:
            entry = catalogue.upload(name, data)
        except NanosimError as e:  # the file's name and key only, never its folders
            on_error(error_text(e))
            return
        on_entry(entry)

    with solara.Column(gap="0px", classes=["nanosim-upload"]):
        solara.Text("Upload a scenario (.toml)", style={"font-size": "0.85em"})
        _FilePicker(on_file=received)


@solara.component
def _FilePicker(on_file: Callable[[str, bytes], None]):
    """ipyvuetify's file input (a real ``<input type=file>``); ``on_file(name, data)``."""
    file_info, set_file_info = solara.use_state(None)
    files, set_files = solara.use_state(None)
    picker = FileInput.element(accept=".toml", multiple=False, on_file_info=set_file_info)

    def wire_files():  # as solara's FileDrop: take the file handles in the render context
        if file_info:
            widget = solara.get_widget(picker)
            widget.version += 1
            widget.reset_stats()
            set_files(widget.get_files())

    solara.use_effect(wire_files, [file_info])

    def read_files():  # reading waits for the browser to send the bytes: off the main loop
        if files:
            on_file(files[0]["name"], files[0]["file_obj"].read())

    solara.use_thread(read_files, [files])
    return picker


@solara.component
def Legend(items: list[tuple[str, str]], off: frozenset, on_toggle: Callable[[str], None]):
    """A legend of (name, colour) chips that scrolls when long (never pages); a click
    shows or hides that name in the charts."""
    with solara.Div(classes=["nanosim-legend"]):
        for name, colour in items:
            shown = name not in off
            solara.Button(name, text=True, small=True, on_click=lambda n=name: on_toggle(n),
                          classes=["nanosim-legend-item"],
                          style={"text-transform": "none", "opacity": 1 if shown else 0.4},
                          icon_name="mdi-circle" if shown else "mdi-circle-outline",
                          color=colour)
