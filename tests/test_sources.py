"""Networks from outside the paper: torchvision at its weights' size or at --res, timm:NAME, the user's own
FILE.py:FACTORY and MODULE:FACTORY, `models --search`, and suggestions across every source."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.models import registry
from mnv1_bench.models.registry import ModelNameError, resolve
from mnv1_bench.timing import roofline


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def one_error_line(result) -> str:
    """The single stderr line of a refused command (exit 2, nothing on stdout, no traceback)."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == "" and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    return line.removeprefix("mnv1-bench: error: ")


# Typed from torchvision's model documentation: each default weights' evaluation crop ("resize_size ... crop_size").
TORCHVISION_SIZES = {"efficientnet_b3": 300, "efficientnet_v2_s": 384, "swin_v2_t": 256, "inception_v3": 299,
                     "resnet50": 224, "vit_h_14": 518}  # fmt: skip


@pytest.mark.parametrize(("model", "size"), TORCHVISION_SIZES.items())
def test_torchvision_models_are_counted_at_their_weights_size(model, size):
    spec = resolve(f"torchvision:{model}")
    assert spec.input_shape == (1, 3, size, size) and spec.name == f"torchvision:{model}"


def _out(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def resnet50_mult_adds(res: int, classes: int = 1000) -> int:
    """ResNet-50 v1.5 (stride in the 3x3 conv) from its paper's Table 1: every conv's output size at `res`."""
    size = _out(res, 7, 2, 3)
    total = size * size * 3 * 64 * 49
    size, cin = _out(size, 3, 2, 1), 64
    for width, blocks, first_stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for block in range(blocks):
            after = _out(size, 3, first_stride if block == 0 else 1, 1)
            total += size * size * cin * width + after * after * width * (9 * width + 4 * width)
            total += after * after * cin * 4 * width if block == 0 else 0  # the projection shortcut
            cin, size = 4 * width, after
    return total + cin * classes


def test_the_resnet50_formula_is_torchvisions_figure():
    assert round(resnet50_mult_adds(224) / 1e9, 2) == 4.09  # torchvision's docs: "GFLOPS 4.09" (multiply-adds)


def test_res_applies_to_a_named_model():
    result = invoke("flops", "torchvision:resnet50", "--res", "160", "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["model"], row["input"]) == ("torchvision:resnet50@160", "160x160")
    assert row["mult_adds"] == resnet50_mult_adds(160)


def test_a_named_size_is_the_same_network_as_res(counted):
    spec, cost = counted("torchvision:resnet50@160")
    assert spec == resolve("torchvision:resnet50", shape=(3, 160, 160))
    assert resolve(spec.name) == spec and resolve("torchvision:resnet50@224").name == "torchvision:resnet50"
    assert cost.mult_adds == resnet50_mult_adds(160)


def test_vit_is_built_for_the_size_asked(counted):
    spec = resolve("torchvision:vit_b_16@160")
    assert spec.build().image_size == 160  # its position embeddings fit (160/16)^2 + 1 tokens


def test_timm_resnet18_agrees_with_timms_published_figures(counted):
    """timm's model card for resnet18.a1_in1k: GMACs 1.8 at 224 x 224, params 11.7M; its GMACs are fvcore's
    all-ops total (batch norm and pooling included), so that total is what is compared."""
    spec, cost = counted("timm:resnet18")
    assert spec.input_shape == (1, 3, 224, 224)
    assert round(cost.fvcore_total / 1e9, 1) == 1.8
    assert cost.params == 11_689_512  # torchvision's docs for the same network: num_params 11689512
    # An independent counter on the same module: torch's FlopCounterMode counts 2 FLOPs per conv/FC multiply-add.
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as flops, torch.no_grad():
        spec.build().eval()(torch.zeros(spec.input_shape))
    assert cost.mult_adds * 2 == flops.get_total_flops()


def test_timm_takes_its_pretrained_configs_size():
    assert resolve("timm:vit_base_patch16_384").input_shape == (1, 3, 384, 384)  # "_384": its name says so
    spec = resolve("timm:vit_base_patch16_384@224")
    assert spec.name == "timm:vit_base_patch16_384@224" and resolve(spec.name) == spec


TINY_NET = """
from torch import nn

def build():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(8, 10))

def broken():
    raise RuntimeError("no weights here\\nand a second line")

def not_a_module():
    return 42

def exits():
    import sys
    sys.exit(0)

def says_bye():
    raise SystemExit("bye")

def chatty():
    print("x" * 100_000)
    return build()

def warns():
    import warnings
    warnings.warn("an old API\\nwith a second line")
    return build()

VALUE = 3
"""
# The tiny net at 1x28x28: a 3x3 conv 1->8 on 28x28 (padding 1), then an 8->10 FC layer.
TINY_MULT_ADDS = 28 * 28 * 8 * 1 * 9 + 8 * 10
TINY_WEIGHTS = 8 * 9 + 8 * 10


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    """A folder with a network file and an importable package, the current folder of the command."""
    (tmp_path / "tiny.py").write_text(TINY_NET)
    (tmp_path / "bad.py").write_text("def f(:\n    pass\n")
    (tmp_path / "userpkg").mkdir()
    (tmp_path / "userpkg" / "__init__.py").write_text("")
    (tmp_path / "userpkg" / "nets.py").write_text(TINY_NET)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    sys.modules.pop("userpkg.nets", None)
    sys.modules.pop("userpkg", None)


@pytest.mark.parametrize(
    ("name", "extra"),
    [("tiny.py:build", ["--input-shape", "1,28,28"]), ("tiny.py:build@1x28x28", []),
     ("userpkg.nets:build", ["--input-shape", "1x28x28"])],
)  # fmt: skip
def test_your_own_network_is_counted(user_folder, name, extra):
    result = invoke("flops", name, *extra, "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["model"] == name.split("@")[0] + "@1x28x28" and row["input"] == "1x28x28"
    assert (row["mult_adds"], row["weights"], row["params"]) == (TINY_MULT_ADDS, TINY_WEIGHTS, TINY_WEIGHTS + 18)


def test_your_own_network_by_its_path(user_folder):
    path = user_folder / "tiny.py"
    result = invoke("flops", f"{path}:build@1x28x28", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["mult_adds"] == TINY_MULT_ADDS


def test_your_own_network_in_compare_and_time(user_folder, fake_timing):
    result = invoke("compare", "tiny.py:build@1x28x28", "--format", "json")
    assert result.exit_code == 0, result.output
    base, tiny = json.loads(result.stdout)
    assert (tiny["model"], tiny["input"], tiny["mult_adds"]) == ("tiny.py:build@1x28x28", "1x28x28", TINY_MULT_ADDS)
    assert tiny["mult_adds_ratio"] == pytest.approx(TINY_MULT_ADDS / base["mult_adds"])
    result = invoke("time", "tiny.py:build", "--input-shape", "1,28,28", "--min-time", "0.05", "--no-save",
                    "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["model"], row["mult_adds"]) == ("tiny.py:build@1x28x28", TINY_MULT_ADDS)


def test_your_own_network_in_layers(user_folder, tmp_path_factory):
    def calibrate(device, dtype, threads):
        return roofline.Peaks(1e11, 1e10, device, dtype, threads, "fake")

    roofline.set_default_cache(roofline.PeakCache(tmp_path_factory.mktemp("peaks") / "roofline.json", calibrate))
    try:
        result = invoke("layers", "tiny.py:build", "--input-shape", "1,28,28", "--runs", "2", "--min-time", "0.02",
                        "--threads", "1", "--format", "json")  # fmt: skip
    finally:
        roofline.set_default_cache(None)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["model"], data["input"]) == ("tiny.py:build@1x28x28", "1x28x28")
    assert [layer["mult_adds"] for layer in data["layers"]] == [28 * 28 * 8 * 9, 80]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothere.py:build"], "no file nothere.py (a model named FILE.py:FACTORY needs the file)"),
        (["tiny.py:nope"], "tiny.py has no 'nope'"),
        (["tiny.py:buidl"], "tiny.py has no 'buidl'; did you mean build?"),
        (["tiny.py:broken"], "tiny.py:broken: the factory raised RuntimeError: no weights here"),
        (["tiny.py:not_a_module"], "tiny.py:not_a_module: the factory returned an object of type int, not a torch "
                                   "nn.Module"),
        (["tiny.py:VALUE"], "tiny.py:VALUE: 'VALUE' is of type int, not a callable"),
        (["bad.py:f"], "bad.py: syntax error on line 1: invalid syntax"),
        (["nomodule.sub:build"], "no module named 'nomodule' (for the model nomodule.sub:...)"),
        (["userpkg.nets:nope"], "userpkg.nets has no 'nope'"),
        (["tiny.py:build", "--classes", "10"], "tiny.py:build: --classes does not apply to your own network (its "
                                               "factory sets its head)"),
        (["tiny.py:build"], "tiny.py:build did not run on a 3x224x224 input: RuntimeError: Given groups=1, weight of "
                            "size [8, 1, 3, 3], expected input[1, 3, 224, 224] to have 1 channels, but got 3 channels "
                            "instead; name the input it takes, e.g. tiny.py:build@1x224x224"),
        (["tiny.py:build", "--res", "64", "--input-shape", "1,28,28"], "give --res or --input-shape, not both"),
        (["tiny.py:build", "--input-shape", "1,28"], "--input-shape: an input shape is C,H,W in whole numbers, got "
                                                     "'1,28'"),
        (["tiny.py:build", "--input-shape", "0,28,28"], "--input-shape: channels must be 1 to 4,096 and height and "
                                                        "width 1 to 8,192, got '0,28,28'"),
        (["tiny.py:build@1x0x28"], "'tiny.py:build@1x0x28': channels must be 1 to 4,096 and height and width 1 to "
                                   "8,192, got '1x0x28'"),
        (["tiny.py:build@1x28x28", "--input-shape", "1,32,32"], "'tiny.py:build@1x28x28' names its input size, and "
                                                                "--res or --input-shape another; give one"),
    ],
)  # fmt: skip
def test_bad_forms_are_one_line_and_exit_2(user_folder, args, message):
    assert one_error_line(invoke("flops", *args)) == message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vgg16", "--res", "160"], "vgg16 is built as its paper describes it, for 224x224 only; other input sizes "
                                    "are for MobileNet, torchvision:, timm: and your own networks"),
        (["mobilenet-0.5-128", "--res", "160"], "'mobilenet-0.5-128' names resolution 128; drop --res or name the "
                                                "resolution you want"),
        (["torchvision:resnet50", "--input-shape", "1,64,64"], "torchvision's resnet50 takes 3 x RES x RES images; "
                                                               "give --res, not 1x64x64"),
        (["--input-shape", "1,64,64"], "--input-shape is for named models; MobileNet takes --res"),
        (["timm:resnt18"], "timm has no model 'resnt18'; did you mean timm:resnet18, timm:resnet18d, "
                           "timm:skresnet18?"),
    ],
)  # fmt: skip
def test_sizes_that_do_not_apply_are_refused(args, message):
    assert one_error_line(invoke("flops", *args)) == message


def test_res_builds_mobilenet_from_its_plain_name():
    assert resolve("mobilenet", shape=(3, 160, 160)).name == "mobilenet-1.0-160"
    assert resolve("conv-mobilenet@128").name == "conv-mobilenet-1.0-128"


def test_unknown_names_suggest_across_sources():
    line = one_error_line(invoke("flops", "resnet50"))
    assert line.startswith("unknown model 'resnet50'; did you mean torchvision:resnet50, timm:resnet50")
    with pytest.raises(ModelNameError, match="did you mean ssd300-mobilenet"):
        resolve("ssd300-mobilnet")


def test_search_finds_names_across_sources():
    result = invoke("models", "--search", "resnet")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines() if not line.startswith(" ")]
    names = {row[0]: row[1] for row in rows}
    assert names["torchvision:resnet50"] == "224x224" and names["timm:resnet18"] == "224x224"
    assert names["timm:cspresnet50"] == "256x256"  # timm's pretrained config: 256 x 256
    assert all("resnet" in name for name in names) and not any(n.startswith("torchvision:vgg") for n in names)
    assert one_error_line(invoke("models", "--search", "nosuchnet")) == (
        "no model name contains 'nosuchnet' (see `mnv1-bench models`)"
    )


def test_models_lists_every_source_without_importing_torch():
    code = textwrap.dedent("""
        import sys
        from mnv1_bench.cli import app
        try:
            app(["models"])
        except SystemExit:
            pass
        print("torch imported:", "torch" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "torch imported: False"
    names = [line.split()[0] for line in result.stdout.splitlines()[:-1] if not line.startswith(" ")]
    for form in ("mobilenet", "vgg16", "ssd300-mobilenet", "torchvision:NAME", "timm:NAME", "FILE.py:FACTORY",
                 "MODULE:FACTORY", "NAME@RES"):  # fmt: skip
        assert form in names


@pytest.mark.parametrize(("module", "name"), [("vgg", "vgg16"), ("googlenet", "googlenet"), ("alexnet", "alexnet"),
                                              ("squeezenet", "squeezenet"), ("inception", "inception-v3"),
                                              ("inception_v2", "inception-v2")])  # fmt: skip
def test_listed_sizes_are_the_built_ones(module, name):
    import importlib

    arch = importlib.import_module(f"mnv1_bench.models.archs.{module}")
    net = registry.REFERENCE_NETS.get(name) or registry.APPLICATION_NETS[name]
    assert net.input_size == arch.INPUT_SIZE


@pytest.mark.parametrize(
    ("factory", "message"),
    [("exits", "mnv1-bench: error: tiny.py:exits: the factory called sys.exit(0) instead of returning a module"),
     ("says_bye", "mnv1-bench: error: tiny.py:says_bye: the factory called sys.exit('bye') instead of returning a "
                  "module")],
)  # fmt: skip
def test_a_factory_that_exits_is_one_line_and_exit_2(user_folder, factory, message):
    result = invoke("flops", f"tiny.py:{factory}@1x28x28")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == message


def test_what_a_factory_prints_stays_off_stdout(user_folder):
    result = invoke("flops", "tiny.py:chatty@1x28x28", "--format", "json")
    assert result.exit_code == 0, result.stderr[-300:]
    (row,) = json.loads(result.stdout)  # still one JSON document
    assert row["mult_adds"] == TINY_MULT_ADDS and "x" * 100_000 in result.stderr


def test_an_emptied_names_cache_is_read_again_from_the_libraries():
    from mnv1_bench.models.sources import library_index

    library_index.index.cache_clear()
    path = library_index.cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")  # a cache cut short: no library's names
    try:
        result = invoke("flops", "resnet50")
        assert result.exit_code == 2
        assert "did you mean torchvision:resnet50" in result.stderr and "alexnet" not in result.stderr
    finally:
        path.unlink(missing_ok=True)
        library_index.index.cache_clear()


def test_a_library_warning_from_your_network_is_one_warning_line(user_folder):
    result = invoke("flops", "tiny.py:warns@1x28x28", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == ["warning: tiny.py:warns@1x28x28: an old API"]
    assert json.loads(result.stdout)[0]["mult_adds"] == TINY_MULT_ADDS
