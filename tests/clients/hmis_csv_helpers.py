"""Reading an HMIS CSV zip back in tests."""

import csv
import io
import zipfile


def read_zip(data: bytes) -> dict[str, list[dict]]:
    files = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8")
            files[name] = list(csv.DictReader(io.StringIO(text)))
    return files


def export_bytes(export) -> bytes:
    from clients.hmis_csv import actions

    out = io.BytesIO()
    actions.run_export(export=export, out=out)
    return out.getvalue()


def zip_text(data: bytes) -> str:
    """Every file of the zip, decompressed, in one string (to look for a value anywhere)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(name).decode("utf-8") for name in zf.namelist())


def headers(data: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: next(csv.reader(io.StringIO(zf.read(name).decode("utf-8")))) for name in zf.namelist()}
