"""Tables from the files a scientist has: CSV, NumPy (``.npy``, ``.npz``) and Parquet.

A :class:`Table` holds named columns as read; cells are turned into numbers
only when a column is selected, so a text column nobody asked for (an id, a
comment) does no harm. Every problem raises a :class:`TableError` naming the
file, the column and, for CSV, the line.
"""

import csv
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Table", "TableError", "read_table", "write_table"]

#: Readers by file suffix.
SUFFIXES = (".csv", ".tsv", ".npy", ".npz", ".parquet")


class TableError(ValueError):
    """A data file that cannot be read as a table, or a column that is not there."""


@dataclass(frozen=True)
class Table:
    """Named columns of equal length, as read from ``path``.

    Attributes
    ----------
    path : str
    names : tuple of str
        Column names in file order.
    columns : dict of str to ndarray
        Each column as a 1-D array: text (CSV) or numbers.
    groups : dict of str to tuple of str
        Names that stand for several columns (the columns of a 2-D array in
        an ``.npz`` file).
    lines : ndarray of int or None
        The line of each row in a CSV file, to name lines in errors.
    """

    path: str
    names: tuple
    columns: dict
    groups: dict = field(default_factory=dict)
    lines: np.ndarray | None = None

    def _where(self, row, name):
        if self.lines is None:
            return f"{self.path}, row {row}, column {name!r}"
        return f"{self.path}, line {self.lines[row]}, column {name!r}"

    @property
    def n_rows(self):
        return len(self.columns[self.names[0]]) if self.names else 0

    # -- choosing columns --------------------------------------------------------------------

    def _position(self, token):
        if token in self.columns:
            return self.names.index(token)
        try:
            index = int(token)
        except ValueError:
            raise TableError(self._unknown(token)) from None
        if not -len(self.names) <= index < len(self.names):
            raise TableError(
                f"{self.path} has {len(self.names)} columns; there is no column {index}."
            )
        return index % len(self.names)

    def _unknown(self, token):
        shown = ", ".join(self.names[:12]) + (
            f" (and {len(self.names) - 12} more)" if len(self.names) > 12 else ""
        )
        return f"{self.path} has no column {token!r}; its columns are: {shown}."

    def select(self, spec):
        """Column names chosen by ``spec``, in the order given.

        ``spec`` is a comma-separated list of column names, 0-based column
        positions, ``START:STOP`` ranges of names or positions (both ends
        included, as in pandas' ``.loc``), and, for ``.npz`` files, array names
        standing for all their columns.
        """
        if spec.strip() in self.columns or spec.strip() in self.groups:
            # A name may hold commas ("Energy, kJ/mol").
            return list(self.groups.get(spec.strip(), (spec.strip(),)))
        chosen = []
        for token in (t.strip() for t in spec.split(",")):
            if not token:
                raise TableError(f"empty column name in {spec!r}.")
            if token in self.columns:
                chosen.append(token)
            elif token in self.groups:
                chosen.extend(self.groups[token])
            elif ":" in token:
                start, _, stop = token.partition(":")
                first = self._position(start.strip()) if start.strip() else 0
                last = self._position(stop.strip()) if stop.strip() else len(self.names) - 1
                if last < first:
                    raise TableError(f"the range {token!r} is empty: it ends before it starts.")
                chosen.extend(self.names[first : last + 1])
            else:
                chosen.append(self.names[self._position(token)])
        repeated = sorted({name for name in chosen if chosen.count(name) > 1})
        if repeated:
            raise TableError(f"columns chosen twice in {spec!r}: {', '.join(repeated)}.")
        return chosen

    def rest(self, excluded):
        """Every column not in ``excluded``, in file order."""
        return [name for name in self.names if name not in set(excluded)]

    # -- reading cells -----------------------------------------------------------------------

    def numbers(self, names):
        """The chosen columns as a float64 array of shape (n_rows, len(names)).

        Raises
        ------
        TableError
            For a cell that is not a number, or is missing, NaN or infinite.
        """
        return np.column_stack([self._number_column(name) for name in names])

    def _number_column(self, name):
        column = self.columns[name]
        if column.dtype.kind in "biuf":
            values = column.astype(np.float64)
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                raise TableError(
                    f"{self._where(bad[0], name)}: a missing or infinite value ({bad.size} such "
                    "rows); drop or fill them first."
                )
            return values
        if column.dtype.kind not in "UO":
            raise TableError(f"{self.path}: column {name!r} holds {column.dtype}, not numbers.")
        values = np.empty(len(column))
        for row, cell in enumerate(column.tolist()):
            values[row] = self._number(cell, row, name)
        return values

    def _number(self, cell, row, name):
        where = self._where(row, name)
        if cell is None or not str(cell).strip():
            raise TableError(f"{where}: a missing value; drop or fill it first.")
        try:
            value = float(str(cell).strip())
        except ValueError:
            raise TableError(f"{where}: {cell!r} is not a number.") from None
        if not math.isfinite(value):
            raise TableError(f"{where}: {cell!r} is not a finite number; drop or fill it.")
        return value

    def labels(self, name):
        """One column as class labels: numbers as numbers (whole ones as integers), else text."""
        column = self.columns[name]
        if column.dtype.kind in "UO":
            text = [None if cell is None else str(cell).strip() for cell in column.tolist()]
            missing = [row for row, cell in enumerate(text) if not cell]
            if missing:
                raise TableError(f"{self._where(missing[0], name)}: an empty label.")
            try:
                column = np.array([float(cell) for cell in text])
            except ValueError:
                return np.array(text, dtype=object).astype(str)
            if not np.all(np.isfinite(column)):
                raise TableError(f"{self.path}: column {name!r} has a label that is not finite.")
        elif column.dtype.kind == "f":
            column = self._number_column(name)  # refuses NaN and infinity
        if column.dtype.kind == "f" and np.all(column == np.round(column)):
            return column.astype(np.int64)
        return column


def _csv(path, delimiter):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle, delimiter=delimiter)
        header = next(rows, None)
        if not header or not any(cell.strip() for cell in header):
            raise TableError(f"{path} is empty; a CSV file needs a header row of column names.")
        names = tuple(cell.strip() for cell in header)
        if "" in names:
            raise TableError(f"{path}: column {names.index('')} of the header has no name.")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise TableError(f"{path}: the header names {', '.join(repeated)} more than once.")
        body, lines = [], []
        for row in rows:
            if not row:  # a blank line
                continue
            if len(row) != len(names):
                raise TableError(
                    f"{path}, line {rows.line_num}: {len(row)} cells, but the header names "
                    f"{len(names)} columns."
                )
            body.append(row)
            lines.append(rows.line_num)
    if not body:
        raise TableError(f"{path} has a header but no rows.")
    # Object arrays: one long cell must not widen every cell of its column.
    columns = {}
    for index, name in enumerate(names):
        column = np.empty(len(body), dtype=object)
        column[:] = [row[index] for row in body]
        columns[name] = column
    return Table(str(path), names, columns, lines=np.asarray(lines))


def _array_columns(path, key, array, n_rows):
    if array.dtype.kind not in "biufUS":
        raise TableError(f"{path}: array {key!r} holds {array.dtype}, not numbers or text.")
    if array.ndim not in (1, 2) or array.shape[0] != n_rows or n_rows == 0:
        raise TableError(
            f"{path}: array {key!r} has shape {array.shape}; every array needs {n_rows} rows "
            "and one or two dimensions."
        )
    if array.ndim == 1:
        return {key: array}
    return {f"{key}[{i}]": array[:, i] for i in range(array.shape[1])}


def _npy(path):
    array = np.load(path, allow_pickle=False)
    if array.ndim not in (1, 2):
        raise TableError(f"{path}: a table needs a 1-D or 2-D array; got shape {array.shape}.")
    array = array.reshape(len(array), -1)
    columns = {str(i): array[:, i] for i in range(array.shape[1])}
    return Table(str(path), tuple(columns), columns)


def _npz(path):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if not arrays:
        raise TableError(f"{path} holds no arrays.")
    first = next(iter(arrays.values()))
    n_rows = len(first) if first.ndim else 0
    columns, groups = {}, {}
    for key, array in arrays.items():
        part = _array_columns(path, key, array, n_rows)
        clash = sorted(set(part) & set(columns))
        if clash:
            raise TableError(f"{path}: the column name {clash[0]!r} is given twice.")
        columns.update(part)
        if array.ndim == 2:
            groups[key] = tuple(part)
    return Table(str(path), tuple(columns), columns, groups)


def _parquet(path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise TableError(
            f"reading {path} needs pyarrow: pip install pyarrow (or symlearn[parquet])."
        ) from None
    table = pq.read_table(path)
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        # Nulls and text stay as they are; a column is checked when it is used.
        columns[str(name)] = column.to_numpy(zero_copy_only=False)
    return Table(str(path), tuple(columns), columns)


def read_table(path):
    """The table in a ``.csv``/``.tsv`` (header row), ``.npy``, ``.npz`` or ``.parquet`` file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    table : Table

    Raises
    ------
    TableError
        If the file is missing, of an unknown kind, or not a table.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError(
            f"cannot read {path}: unknown file kind {suffix or '(no suffix)'!r}; "
            f"expected one of {', '.join(SUFFIXES)}."
        )
    if not path.is_file():
        raise TableError(f"no such file: {path}.")
    try:
        if suffix in (".csv", ".tsv"):
            return _csv(path, "," if suffix == ".csv" else "\t")
        if suffix == ".npy":
            return _npy(path)
        if suffix == ".npz":
            return _npz(path)
        return _parquet(path)
    except TableError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as error:
        # NumPy, pyarrow and the csv module explain the problem in their own words.
        raise TableError(f"cannot read {path}: {error}") from None


def write_table(path, names, values):
    """Write a 2-D array with column ``names`` to ``.csv`` (header row) or ``.npy``.

    ``path`` ``"-"`` writes CSV to standard output.
    """
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    text = str(path)
    if text != "-" and Path(text).suffix.lower() == ".npy":
        np.save(text, values, allow_pickle=False)
        return
    if text != "-" and Path(text).suffix.lower() != ".csv":
        raise TableError(f"cannot write {text}: expected a .csv or .npy file, or '-'.")
    if text == "-":
        _write_csv(sys.stdout, names, values)
        return
    with open(text, "w", newline="", encoding="utf-8") as handle:
        _write_csv(handle, names, values)


def _write_csv(handle, names, values):
    writer = csv.writer(handle)
    writer.writerow(names)
    for row in values:
        writer.writerow([_cell(value) for value in row])


def _cell(value):
    return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)
