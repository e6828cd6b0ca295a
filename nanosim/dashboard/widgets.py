"""Small Solara components shared by the dashboard pages."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import solara
from ipyvuetify.extra import FileInput

from nanosim.dashboard import catalogue
from nanosim.errors import ScenarioError

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
        solara.Image(png, format="png")
        if filename:
            solara.FileDownload(png, filename=filename, label=f"Download {filename}",
                                mime_type="image/png")


@solara.component
def DataTable(df: pd.DataFrame, digits: int = 4, classes: list[str] | None = None):
    """A plain HTML table of ``df`` (numbers shown with ``digits`` decimals)."""

    def cell(v):
        if isinstance(v, float):
            return f"{v:+.{digits}f}"
        return str(v)

    head = solara.v.Html(tag="thead", children=[solara.v.Html(tag="tr", children=[
        solara.v.Html(tag="th", children=[str(c)]) for c in df.columns])])
    body = solara.v.Html(tag="tbody", children=[
        solara.v.Html(tag="tr", children=[solara.v.Html(tag="td", children=[cell(v)])
                                          for v in row])
        for row in df.itertuples(index=False)])
    solara.v.SimpleTable(dense=True, class_=" ".join(classes or []), children=[head, body])


@solara.component
def ErrorLine(message: str | None):
    """One line saying what is wrong (nothing when there is no message)."""
    if message:
        solara.Error(message, classes=["nanosim-error"], style={"white-space": "pre-wrap"})


@solara.component
def ScenarioUpload(on_entry: Callable[[catalogue.Entry], None],
                   on_error: Callable[[str], None]):
    """A file picker for a scenario TOML; valid files become entries, invalid ones an error."""
    file_info, set_file_info = solara.use_state(None)
    with solara.Column(gap="0px") as main:
        solara.Text("Upload a scenario (.toml)", style={"font-size": "0.85em"})
        picker = FileInput.element(accept=".toml", multiple=False, on_file_info=set_file_info)

    def read_upload():
        if not file_info:
            return
        widget = solara.get_widget(picker)
        widget.version += 1  # as solara's FileDrop does: re-arm the chunk listeners
        widget.reset_stats()
        upload = widget.get_files()[0]
        data = upload["file_obj"].read()
        try:
            entry = catalogue.upload(upload["name"], data)
        except ScenarioError as e:
            on_error(str(e))
            return
        on_entry(entry)

    solara.use_thread(read_upload, [file_info])
    return main
