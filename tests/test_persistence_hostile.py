"""Loading files crafted by an attacker: well-formed, checksum recomputed, and still refused.

A SHA-256 over the file is integrity, not authenticity: anyone can write a
file and its checksum. Every file here is valid safetensors with a correct
checksum; each must be refused with a ``ModelFileError`` (a ``ValueError``)
naming the field, while an audit hook watches that loading starts no
process, executes no code, imports nothing new and opens nothing for writing.
"""

import copy
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.torch import save_file

import symlearn
from symlearn import (
    ModelFileError,
    SymmetryDiscoveringClassifier,
    SymmetryDiscoveringRegressor,
)
from symlearn._persistence import _checksum
from symlearn.datasets import (
    make_inertia_tensor_regression,
    make_rotation_invariant_regression,
)
from symlearn.reps import Scalars, Tensor, Vectors

# -- watching what load does -----------------------------------------------------------

_RECORDING = []  # a list, so the hook (installed once per process) sees the current state
_EVENTS = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WATCHED = {
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "exec",
    "compile",
    "import",
    "ctypes.dlopen",
    "pickle.find_class",
}


def _audit(event, args):
    if not _RECORDING:
        return
    if event in _WATCHED:
        _EVENTS.append((event, str(args)[:200]))
    elif event == "open":
        _, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        ):
            _EVENTS.append((event, str(args)[:200]))


sys.addaudithook(_audit)


def _watched_load(path, **kwargs):
    """``symlearn.load(path)`` with the audit hook recording; the events it saw."""
    _EVENTS.clear()
    _RECORDING.append(True)
    try:
        return symlearn.load(path, **kwargs)
    finally:
        _RECORDING.clear()


def _assert_refused(path, field, **kwargs):
    """Loading ``path`` raises ModelFileError naming ``field``, with no watched event."""
    with pytest.raises(ModelFileError) as caught:
        _watched_load(path, **kwargs)
    assert caught.value.field.startswith(field), (caught.value.field, str(caught.value))
    assert repr(caught.value.field)[1:-1] in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert _EVENTS == [], _EVENTS
    return caught.value


# -- crafting files ------------------------------------------------------------------------


def _read(path):
    """The envelope (format, version, checksum), the header and the tensors of a file."""
    with safe_open(str(path), framework="pt") as handle:
        envelope = json.loads(handle.metadata()["symlearn"])
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    return envelope, envelope.pop("header"), tensors


def _write(path, envelope, header, tensors):
    """A well-formed file with a correct checksum over what the attacker wrote.

    ``header`` may be JSON text, to write what ``json.dumps`` cannot.
    """
    text = header if isinstance(header, str) else json.dumps(header, sort_keys=True)
    outer = json.dumps({**envelope, "sha256": _checksum(text, tensors)}, sort_keys=True)
    save_file(
        tensors,
        str(path),
        metadata={"symlearn": outer[:-1] + ', "header": ' + text + "}"},
    )


def _craft(source, target, edit_header=None, edit_tensors=None, envelope=None):
    old_envelope, header, tensors = _read(source)
    header = copy.deepcopy(header)
    if edit_header is not None:
        edit_header(header)
    if edit_tensors is not None:
        edit_tensors(tensors)
    _write(target, {**old_envelope, **(envelope or {})}, header, tensors)
    return target


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A fitted regressor, a candidate-mode equivariant regressor and a classifier, saved."""
    folder = tmp_path_factory.mktemp("hostile")
    X, y, _ = make_rotation_invariant_regression(200, random_state=0)
    regressor = SymmetryDiscoveringRegressor(max_epochs=4, random_state=0).fit(X, y)
    Xi, yi, _ = make_inertia_tensor_regression(120, random_state=0)
    candidates = SymmetryDiscoveringRegressor(
        input_rep=Vectors(5, 3) + Scalars(5),
        output_rep=Tensor(3, 2),
        candidate_generators={"z": "rotation_xy", "x": "rotation_yz"},
        max_epochs=3,
        random_state=0,
    ).fit(Xi, yi)
    labels = np.array(["inside", "outside"])[(np.linalg.norm(X, axis=1) > 1).astype(int)]
    classifier = SymmetryDiscoveringClassifier(max_epochs=3, random_state=0).fit(X, labels)
    paths = {}
    for name, estimator in [
        ("regressor", regressor),
        ("candidates", candidates),
        ("classifier", classifier),
    ]:
        paths[name] = folder / f"{name}.safetensors"
        symlearn.save(estimator, paths[name])
    # Load each once: what a first load imports is imported before the hook records.
    for path in paths.values():
        symlearn.load(path)
    paths["X"] = X
    return paths


def test_the_audit_hook_sees_what_it_watches(tmp_path):
    """The hook can fail: a process, compiled code and a file opened for writing are seen."""
    _EVENTS.clear()
    _RECORDING.append(True)
    try:
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        eval(compile("1 + 1", "<test>", "eval"))
        (tmp_path / "written.txt").write_text("x")
    finally:
        _RECORDING.clear()
    seen = {event for event, _ in _EVENTS}
    assert {"subprocess.Popen", "compile", "exec", "open"} <= seen, seen


def test_a_valid_file_loads_with_nothing_watched_happening(saved):
    back = _watched_load(saved["regressor"])
    assert _EVENTS == []
    assert back.predict(saved["X"][:3]).shape == (3,)


# -- the attack classes --------------------------------------------------------------------

POPEN = "torch.distributed.elastic.multiprocessing.subprocess_handler.subprocess_handler.Popen"


def _set(path, value):
    """An editor that sets the header entry at a dotted ``path`` (creating the last key)."""

    def edit(header):
        node = header
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[keys[-1]] = value

    return edit


def _delete(path):
    def edit(header):
        node = header
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return edit


def _both(*edits):
    def edit(header):
        for one in edits:
            one(header)

    return edit


HOSTILE_HEADERS = {
    # Dotted paths to callables in the parameters.
    "popen callback": (
        _both(
            _set("params.callbacks__epoch_timer", {"__class__": POPEN}),
            _set(
                "params.callbacks__epoch_timer__args",
                {"__list__": ["sh", "-c", "touch pwned"]},
            ),
        ),
        "params.callbacks__epoch_timer",
    ),
    "torch.hub.load optimizer": (
        _set("params.optimizer", {"__class__": "torch.hub.load"}),
        "params.optimizer",
    ),
    "file-truncating callback": (
        _both(
            _set(
                "params.callbacks__print_log",
                {"__class__": "torch.serialization._open_file"},
            ),
            _set("params.callbacks__print_log__mode", "w"),
        ),
        "params.callbacks__print_log",
    ),
    "cli module on import": (
        _set("params.module", {"__class__": "symlearn.__main__.main"}),
        "params.module",
    ),
    "os.system activation": (
        _set("params.module__activation", {"__class__": "os.system"}),
        "params.module__activation",
    ),
    "eval activation": (
        _set("params.module__activation", {"__class__": "builtins.eval"}),
        "params.module__activation",
    ),
    "torch class outside the registry": (
        _set("params.module", {"__class__": "torch.nn.Linear"}),
        "params.module",
    ),
    "registry name in the wrong role": (
        _set("params.optimizer", {"__class__": "symlearn.nn.MLP"}),
        "params.optimizer",
    ),
    "class in a plain parameter": (
        _set("params.lr", {"__class__": "torch.optim.Adam"}),
        "params.lr",
    ),
    "class inside a list": (
        _set("params.module__hidden_sizes", {"__tuple__": [{"__class__": "os.system"}]}),
        "params.module__hidden_sizes",
    ),
    "unknown tag": (_set("params.module", {"__pickle__": "gASV"}), "params.module"),
    # Method overwrites and fitted attributes outside the schema.
    "method overwrite": (
        _set(
            "state._build_backbone",
            {"__class__": "torch.fx.graph_module._method_from_src"},
        ),
        "state",
    ),
    "predict overwrite": (_set("state.predict", "torch.hub.load"), "state"),
    "__class__ overwrite": (
        _set("state.__class__", {"__class__": "torch.nn.Module"}),
        "state",
    ),
    "format-1 fitted block": (
        _set("fitted", {"_build_backbone": {"__class__": POPEN}}),
        "header",
    ),
    "estimator from __main__": (_set("estimator", "symlearn.__main__"), "estimator"),
    "unknown parameter": (_set("params.__class__", "x"), "params.__class__"),
    # Oversized declarations.
    "huge declared backbone": (
        _set("params.module__hidden_sizes", {"__tuple__": [20000, 20000, 20000]}),
        "module.backbone",
    ),
    "huge string dtype": (
        _set(
            "state.feature_names_in",
            {"__strings__": ["a", "b"], "dtype": "<U250000000"},
        ),
        "state.feature_names_in",
    ),
    "oversized group name": (_set("params.group", "S" * 200_000), "params.group"),
    "oversized list": (
        _set("params.module__hidden_sizes", {"__list__": [4] * 5000}),
        "params.module__hidden_sizes",
    ),
    "oversized feature count": (
        _set("state.n_features_in", 10**12),
        "state.n_features_in",
    ),
    "oversized tensor order": (
        _set("state.space.scaler.rep", {"type": "Tensor", "dim": 3, "order": 10**6}),
        "state.space.scaler.rep",
    ),
    # Many small string arrays, each allowed alone: refused by the schema
    # before any is decoded, and within one budget for the whole file.
    "string bombs in the state": (
        _set("state.junk", [{"__strings__": ["a"], "dtype": "<U450000"}] * 1000),
        "state",
    ),
    "string bombs in a field": (
        _set("state.space.n_items", [{"__strings__": ["a"], "dtype": "<U450000"}] * 1000),
        "state.space.n_items",
    ),
    "too many worker processes": (
        _set("params.iterator_train__num_workers", 1000),
        "params.iterator_train__num_workers",
    ),
    "data-loader option outside the list": (
        _set("params.iterator_valid__collate_fn", "os.system"),
        "params.iterator_valid__collate_fn",
    ),
    "callback replaced by a value": (
        _set("params.callbacks__collapse_check", "x"),
        "params.callbacks__collapse_check",
    ),
    # Wrong types, missing and extra keys.
    "params as a list": (_set("params", []), "params"),
    "state as a list": (_set("state.space", []), "state.space"),
    "missing state": (_delete("state"), "header"),
    "missing parameter": (_delete("params.max_epochs"), "params"),
    "missing scaler field": (
        _delete("state.space.scaler.offset"),
        "state.space.scaler",
    ),
    "max_epochs as text": (_set("params.max_epochs", "abc"), "params"),
    "n_features_in as text": (
        _set("state.n_features_in", "two"),
        "state.n_features_in",
    ),
    "negative infinite weight": (
        _set("params.symmetry_weight", float("-inf")),
        "params",
    ),
    "NaN learning rate": (_set("params.lr", float("nan")), "params"),
    "score above one": (
        _set("state.analysis.symmetry_score", 3.0),
        "state.analysis.symmetry_score",
    ),
    "negative tolerance": (
        _set("state.space.tolerance", -1.0),
        "state.space.tolerance",
    ),
    "unknown representation": (
        _set("state.space.scaler.rep", {"type": "Popen", "args": ["sh"]}),
        "state.space.scaler.rep",
    ),
    "wrong task kind": (_set("state.task.kind", "classification"), "state.task"),
    "algebra dimension that lies": (
        _set("state.analysis.algebra.dimension", 3),
        "state.analysis.algebra",
    ),
    "missing tensor": (
        _set("state.space.basis", {"__tensor__": "state.nowhere"}),
        "state.space.basis",
    ),
    # Found by an independent attack on this loader.
    "integer beyond float's range in a parameter": (
        _set("params.lr", 10**400),
        "params",
    ),
    "integer beyond float's range in the state": (
        _set("state.space.tolerance", 10**400),
        "state.space.tolerance",
    ),
    "huge epoch count": (_set("params.max_epochs", 10**400), "params"),
    "parameter groups that are not a list": (
        _set("params.optimizer__param_groups", None),
        "params.optimizer__param_groups",
    ),
    "unnamed tag smuggled in a dict": (
        _set("params.module", {"__dict__": {"__unsaved__": "a", "b": 1}}),
        "params.module",
    ),
    "user class named by a number": (
        _set("params.module", {"__dict__": {"__user_class__": 5}}),
        "params.module",
    ),
    "user class with a name that is not one": (
        _set("params.module", {"__user_class__": "x; rm -rf /"}),
        "params.module",
    ),
    "device whose name imports a backend": (
        _set("params.device", "hpu"),
        "params.device",
    ),
    "meta device": (_set("params.device", "meta"), "params.device"),
    "prediction rows shuffled": (
        _set("params.iterator_valid__shuffle", True),
        "params.iterator_valid__shuffle",
    ),
    "prediction worker processes": (
        _set("params.iterator_valid__num_workers", 4),
        "params.iterator_valid__num_workers",
    ),
    "symmetrization draws beyond reason": (
        _set("params.n_group_samples_test", 10**7),
        "params",
    ),
    "test-time views beyond reason": (
        _set("params.test_time_augmentation", 10**12),
        "params",
    ),
    "bool as a count": (_set("params.n_generators", True), "params"),
    "callback that does not exist": (
        _set("params.callbacks__x__y", 1),
        "params.callbacks__x__y",
    ),
    "generator space that is not one": (
        _set("params.generator_space", "nonsense"),
        "params",
    ),
    "lone surrogate": (
        _set("state.analysis.algebra.name", "\ud800"),
        "state.analysis.algebra.name",
    ),
    "feature names that are numbers": (
        _set("state.feature_names_in", {"__strings__": [1, 2.5], "dtype": "|O"}),
        "state.feature_names_in",
    ),
    "string array wider than the header justifies": (
        _set("state.feature_names_in", {"__strings__": ["a", "b"], "dtype": "<U999999"}),
        "state.feature_names_in",
    ),
    "tensor named twice": (
        _set("state.space.model_basis", {"__tensor__": "state.space.basis"}),
        "state.space.model_basis",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_HEADERS))
def test_a_hostile_header_is_refused(saved, tmp_path, case):
    edit, field = HOSTILE_HEADERS[case]
    path = _craft(saved["regressor"], tmp_path / "hostile.safetensors", edit_header=edit)
    _assert_refused(path, field)
    assert not (tmp_path / "pwned").exists()


def _retype(name, dtype):
    def edit(tensors):
        tensors[name] = tensors[name].to(dtype)

    return edit


HOSTILE_TENSORS = {
    "integer weight": (
        _retype("module.backbone.0.weight", torch.int64),
        "module.backbone.0.weight",
    ),
    "bfloat16 weight": (
        _retype("module.backbone.0.weight", torch.bfloat16),
        "tensor module.backbone.0.weight",
    ),
    "float32 state array": (
        _retype("state.space.basis", torch.float32),
        "state.space.basis",
    ),
    "NaN in the scaler": (
        lambda t: t.__setitem__(
            "state.space.scaler.offset",
            torch.full_like(t["state.space.scaler.offset"], torch.nan),
        ),
        "state.space.scaler.offset",
    ),
    "zero scale": (
        lambda t: t.__setitem__(
            "state.space.scaler.scale", torch.zeros_like(t["state.space.scaler.scale"])
        ),
        "state.space.scaler.scale",
    ),
    "extra undescribed tensor": (
        lambda t: t.__setitem__("payload", torch.zeros(3)),
        "tensors",
    ),
    "extra module tensor": (
        lambda t: t.__setitem__("module.backbone.9.weight", torch.zeros(3)),
        "module",
    ),
    "NaN weight": (
        lambda t: t["module.backbone.0.weight"].__setitem__((0, 0), torch.nan),
        "module.backbone.0.weight",
    ),
    "infinite reference bias": (
        lambda t: t["reference.0.bias"].__setitem__(0, torch.inf),
        "reference.0.bias",
    ),
    "wrong weight shape": (
        lambda t: t.__setitem__("reference.0.weight", torch.zeros(7, 2)),
        "reference.0.weight",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TENSORS))
def test_hostile_tensors_are_refused(saved, tmp_path, case):
    edit, field = HOSTILE_TENSORS[case]
    path = _craft(saved["regressor"], tmp_path / "hostile.safetensors", edit_tensors=edit)
    _assert_refused(path, field)


def test_json_nested_too_deep_to_parse_is_refused(saved, tmp_path):
    envelope, header, tensors = _read(saved["regressor"])
    text = json.dumps(header, sort_keys=True)
    deep = text.replace('"history": [', '"history": [' + "[" * 100_000 + "]" * 100_000 + ", ", 1)
    path = tmp_path / "deep.safetensors"
    _write(path, envelope, deep, tensors)
    _assert_refused(path, "header")
    # Within the parser's reach but past the schema's bound on nesting.
    nested = text.replace('"history": [', '"history": [{"x": ' + "[" * 50 + "]" * 50 + "}, ", 1)
    _write(path, envelope, nested, tensors)
    _assert_refused(path, "history.0.x")


@pytest.mark.parametrize("version", [" 2 ", "2", 2.0, True, None, [2], -2, 0, 10**40, 1])
def test_malformed_and_retired_versions_are_refused(saved, tmp_path, version):
    path = _craft(
        saved["regressor"],
        tmp_path / "v.safetensors",
        envelope={"format_version": version},
    )
    _assert_refused(path, "format_version")


def test_a_header_of_nested_empty_lists_is_refused_before_it_is_parsed(saved, tmp_path):
    envelope, header, tensors = _read(saved["regressor"])
    text = json.dumps(header, sort_keys=True)
    bulky = text.replace(
        '"versions": {', '"versions": {"x": [' + ",".join(["[[]]"] * 200_000) + "], ", 1
    )
    path = tmp_path / "bulky.safetensors"
    _write(path, envelope, bulky, tensors)
    tracemalloc.start()
    try:
        _assert_refused(path, "header")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 8 * path.stat().st_size + 4 * 2**20


def test_candidates_and_classifier_fields_are_checked(saved, tmp_path):
    path = tmp_path / "c.safetensors"
    _craft(
        saved["candidates"],
        path,
        edit_header=_set("state.space.candidates.reaches", [1.0]),
    )
    _assert_refused(path, "state.space.candidates.reaches")
    _craft(
        saved["candidates"],
        path,
        edit_header=_set(
            "state.space.candidates.model_generators",
            {"__tensor__": "state.space.basis"},
        ),
    )
    _assert_refused(path, "state.space.candidates.model_generators")
    _craft(
        saved["classifier"],
        path,
        edit_header=_set("state.task.classes", {"__strings__": ["only"], "dtype": "<U4"}),
    )
    _assert_refused(path, "state.task.classes")
    for classes in (["a", 3], ["outside", "inside"], ["a", "a"]):
        _craft(
            saved["classifier"],
            path,
            edit_header=_set("state.task.classes", {"__strings__": classes, "dtype": "<U9"}),
        )
        _assert_refused(path, "state.task.classes")
    _craft(
        saved["classifier"],
        path,
        edit_header=_set("state.task.classes", {"__strings__": [1, "a"], "dtype": "|O"}),
    )
    _assert_refused(path, "state.task.classes")


def test_a_class_of_your_own_is_named_never_imported(saved, tmp_path):
    path = _craft(
        saved["regressor"],
        tmp_path / "user.safetensors",
        edit_header=_set("params.module", {"__user_class__": "symlearn.__main__.Backdoor"}),
    )
    error = _assert_refused(path, "params.module")
    assert "symlearn.load(path, module=Backdoor)" in str(error)
    assert "symlearn.__main__" not in sys.modules


def test_hostile_files_cannot_make_load_allocate_more_than_they_hold(saved, tmp_path):
    """Peak memory while refusing oversized declarations: Python's (tracemalloc) and the process's."""
    cases = [
        "huge declared backbone",
        "huge string dtype",
        "oversized group name",
        "oversized list",
        "string bombs in the state",
        "string bombs in a field",
    ]
    paths = []
    for case in cases:
        path = tmp_path / f"{len(paths)}.safetensors"
        _craft(saved["regressor"], path, edit_header=HOSTILE_HEADERS[case][0])
        paths.append(path)
    for path in paths:
        tracemalloc.start()
        try:
            with pytest.raises(ModelFileError):
                symlearn.load(path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # Python's allocations while loading: within a few times the file's size
        # (the JSON parsed once, as objects) and a fixed overhead.
        assert peak <= 8 * path.stat().st_size + 4 * 2**20, (path.name, peak)
    # torch's allocations do not go through tracemalloc: measure the peak
    # resident memory of a fresh process that refuses all of them.
    script = textwrap.dedent(
        """
        import resource, sys
        import symlearn
        symlearn.load(sys.argv[1])  # warm: the first load imports and initializes
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for path in sys.argv[2:]:
            try:
                symlearn.load(path)
            except ValueError:
                pass
            else:
                raise SystemExit("a hostile file loaded")
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) * 1024)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(saved["regressor"]), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    grown = int(result.stdout.strip().splitlines()[-1])
    # A 20000 x 20000 layer alone would be 1.6 GB; the files are ~100 KB.
    assert grown < 64 * 2**20, grown


# -- any mutation of a valid header: a model or a ModelFileError, nothing else ---------------

_JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**400, -(10**400), 2**64]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["torch.hub.load", POPEN, "os.system", "symlearn.__main__.main", "auto"]),
)
_JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
        st.builds(
            lambda name: {"__class__": name},
            st.sampled_from(["torch.hub.load", POPEN, "torch.nn.SiLU", "symlearn.nn.MLP"]),
        ),
        st.builds(
            lambda name: {"__tensor__": name},
            st.sampled_from(["module.backbone.0.weight", "state.space.basis", "x"]),
        ),
        st.builds(lambda items: {"__tuple__": items}, st.lists(children, max_size=3)),
    ),
    max_leaves=8,
)


def _paths(node, prefix=()):
    """Every path into a JSON tree."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            yield from _paths(value, (*prefix, index))


@settings(
    max_examples=int(os.environ.get("SYMLEARN_FUZZ_EXAMPLES", 120)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_mutation_of_the_header_loads_or_is_refused_cleanly(saved, tmp_path, data):
    envelope, header, tensors = _read(saved["regressor"])
    paths = [p for p in _paths(header) if p and p[0] != "history"]
    path = data.draw(st.sampled_from(paths))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    parent = header
    for key in path[:-1]:
        parent = parent[key]
    if action == "replace":
        parent[path[-1]] = data.draw(_JSON_VALUES)
    elif action == "delete":
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    elif isinstance(parent, dict):
        parent[data.draw(st.text(min_size=1, max_size=12))] = data.draw(_JSON_VALUES)
    else:
        parent.append(data.draw(_JSON_VALUES))
    file = tmp_path / "mutated.safetensors"
    _write(file, envelope, header, tensors)
    try:
        _watched_load(file)
    except ModelFileError as error:
        assert error.field and repr(error.field)[1:-1] in str(error)
    assert _EVENTS == [], _EVENTS
