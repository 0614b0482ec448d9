"""Reading the tables the command line takes: CSV, NumPy and Parquet files."""

import numpy as np
import pytest

from symlearn._tables import TableError, read_table, write_table


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name,a,b,c,label\nx,1,2,3,cat\ny,4,5,6,dog\n\nz,7,8,9,cat\n")
    return read_table(path)


def test_csv_columns_by_name_position_and_range(table):
    assert table.n_rows == 3 and table.names == ("name", "a", "b", "c", "label")
    assert table.select("a,c") == ["a", "c"]
    assert table.select("1:3") == ["a", "b", "c"]
    assert table.select("b:") == ["b", "c", "label"]
    assert table.select("-1") == ["label"]
    np.testing.assert_array_equal(table.numbers(["a", "c"]), [[1, 3], [4, 6], [7, 9]])
    np.testing.assert_array_equal(table.labels("label"), ["cat", "dog", "cat"])
    assert table.rest(["a", "label"]) == ["name", "b", "c"]


@pytest.mark.parametrize(
    "spec, problem",
    [
        ("d", "has no column 'd'; its columns are: name, a, b, c, label"),
        ("9", "there is no column 9"),
        ("c:a", "ends before it starts"),
        ("a,a", "chosen twice"),
        ("a,,b", "empty column name"),
    ],
)
def test_bad_column_choices(table, spec, problem):
    with pytest.raises(TableError, match=problem):
        table.select(spec)


def test_cells_that_are_not_numbers_name_their_line(tmp_path):
    path = tmp_path / "t.csv"
    # Line numbers count blank lines and cells quoted over two lines.
    path.write_text('a,b\n1,2\n\n"x\ny",\n')
    with pytest.raises(TableError, match="line 5, column 'b': a missing value"):
        read_table(path).numbers(["b"])
    path.write_text("a,b\n1,inf\n")
    with pytest.raises(TableError, match="line 2, column 'b': 'inf' is not a finite number"):
        read_table(path).numbers(["b"])


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "is empty; a CSV file needs a header"),
        ("a,b\n", "has a header but no rows"),
        ("a,,c\n1,2,3\n", "column 1 of the header has no name"),
        ("a,a\n1,2\n", "names a more than once"),
        ("a,b\n1,2,3\n", "line 2: 3 cells"),
    ],
)
def test_malformed_csv(tmp_path, text, problem):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(TableError, match=problem):
        read_table(path)


def test_labels_numbers_stay_numbers_and_text_stays_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("k,c,f,t\n1, cat,0.5,10\n2,dog ,1.5,2\n")
    table = read_table(path)
    np.testing.assert_array_equal(table.labels("t"), [10, 2])  # integers, not "10" < "2"
    assert table.labels("t").dtype == np.int64
    np.testing.assert_array_equal(table.labels("c"), ["cat", "dog"])  # stripped like names
    np.testing.assert_array_equal(table.labels("f"), [0.5, 1.5])


def test_names_with_commas_and_long_cells(tmp_path):
    path = tmp_path / "t.csv"
    long_note = "x" * 5000
    rows = "".join(f"{i},{long_note if i == 0 else 'short'}\n" for i in range(2000))
    path.write_text('"Energy, kJ/mol",note\n' + rows)
    table = read_table(path)
    assert table.select("Energy, kJ/mol") == ["Energy, kJ/mol"]
    # One long cell does not widen its column: references, not a fixed-width array.
    assert table.columns["note"].dtype == object


def test_numpy_files(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(6.0).reshape(3, 2))
    table = read_table(tmp_path / "a.npy")
    assert table.names == ("0", "1")
    np.testing.assert_array_equal(table.numbers(table.select("1")), [[1], [3], [5]])

    np.savez(tmp_path / "b.npz", X=np.ones((3, 2)), y=np.array([1.0, np.nan, 2.0]))
    table = read_table(tmp_path / "b.npz")
    assert table.select("X") == ["X[0]", "X[1]"] and table.names[-1] == "y"
    with pytest.raises(TableError, match="row 1, column 'y': a missing or infinite value"):
        table.numbers(["y"])

    np.savez(tmp_path / "c.npz", X=np.ones((3, 2)), y=np.ones(4))
    with pytest.raises(TableError, match="every array needs 3 rows"):
        read_table(tmp_path / "c.npz")
    np.savez(tmp_path / "d.npz", **{"X": np.ones((3, 2)), "X[0]": np.zeros(3)})
    with pytest.raises(TableError, match="the column name 'X\\[0\\]' is given twice"):
        read_table(tmp_path / "d.npz")
    np.savez(tmp_path / "e.npz", x=np.float64(1.0))
    with pytest.raises(TableError, match="e.npz: array 'x' has shape"):
        read_table(tmp_path / "e.npz")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(TableError, match="cannot read"):  # never unpickled
        read_table(tmp_path / "objects.npy")


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    columns = {"a": [1.0, 2.0], "label": ["x", "y"], "note": ["z", None], "b": [1.0, None]}
    pq.write_table(pa.table(columns), tmp_path / "t.parquet")
    table = read_table(tmp_path / "t.parquet")  # a null in an unused column does no harm
    np.testing.assert_array_equal(table.numbers(["a"]), [[1.0], [2.0]])
    np.testing.assert_array_equal(table.labels("label"), ["x", "y"])
    with pytest.raises(TableError, match="row 1, column 'b': a missing or infinite value"):
        table.numbers(["b"])
    with pytest.raises(TableError, match="row 1, column 'note': an empty label"):
        table.labels("note")


def test_unknown_and_missing_files(tmp_path):
    with pytest.raises(TableError, match="unknown file kind '.xlsx'"):
        read_table(tmp_path / "t.xlsx")
    with pytest.raises(TableError, match="no such file"):
        read_table(tmp_path / "t.csv")


def test_write_csv_and_npy_round_trip(tmp_path):
    values = np.array([[0.1, 2.0], [3.0, 1e-20]])
    write_table(tmp_path / "o.csv", ["p", "q"], values)
    table = read_table(tmp_path / "o.csv")
    np.testing.assert_array_equal(table.numbers(["p", "q"]), values)  # exact: repr of floats
    write_table(tmp_path / "o.npy", ["p", "q"], values)
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), values)
    with pytest.raises(TableError, match="expected a .csv or .npy file"):
        write_table(tmp_path / "o.txt", ["p"], values[:, 0])
