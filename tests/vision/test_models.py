"""numtorch.vision.models against torchvision's definitions and real PyTorch.

torchvision itself is not installed beside the oracle, so the reference data below was worked
out from torchvision's model sources (torchvision/models/{alexnet,vgg,resnet,mobilenetv2,
squeezenet,densenet}.py):

- ``NUM_PARAMS``: the ``num_params`` meta of each model's ``IMAGENET1K_V1`` weights entry.
- ``NUM_ENTRIES``: the number of state_dict entries, counted from the module tree (a conv or
  linear gives 1 or 2 entries, a BatchNorm2d 5: weight, bias, running_mean, running_var,
  num_batches_tracked), e.g. resnet18 = stem 1+5, 8 basic blocks x 12, 3 downsamples x 6, fc 2.
- ``KEYS``: the first and last state_dict entries and a few in between, with their shapes.

Resnet-18 is also compared with a ResNet written here with real ``torch.nn`` following the same
source (``_TorchResNet``): same initialisation for the same seed, same keys and shapes, and a
state dict saved by real PyTorch gives the same logits in numtorch (and the other way round).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

import numtorch
from numtorch.vision import models

torch = pytest.importorskip("torch")

NUM_PARAMS = {
    "alexnet": 61100840, "vgg11": 132863336, "vgg11_bn": 132868840, "vgg13": 133047848,
    "vgg13_bn": 133053736, "vgg16": 138357544, "vgg16_bn": 138365992, "vgg19": 143667240,
    "vgg19_bn": 143678248, "resnet18": 11689512, "resnet34": 21797672, "resnet50": 25557032,
    "resnet101": 44549160, "resnet152": 60192808, "mobilenet_v2": 3504872,
    "squeezenet1_0": 1248424, "squeezenet1_1": 1235496, "densenet121": 7978856,
}

NUM_ENTRIES = {
    "alexnet": 16,  # 5 convs + 3 linears, weight and bias each
    "vgg11": 22, "vgg13": 26, "vgg16": 32, "vgg19": 38,  # (convs + 3) x 2
    "vgg11_bn": 62, "vgg13_bn": 76, "vgg16_bn": 97, "vgg19_bn": 118,  # + 5 per conv's BN
    "resnet18": 122, "resnet34": 218,  # 6 + 12 per block + 6 per downsample + 2
    "resnet50": 320, "resnet101": 626, "resnet152": 932,  # 6 + 18 per block + 6 x 4 + 2
    "mobilenet_v2": 314,  # stem 6 + first block 12 + 16 blocks x 18 + last 6 + 2
    "squeezenet1_0": 52, "squeezenet1_1": 52,  # (1 conv + 8 fires x 3 convs + final) x 2
    "densenet121": 727,  # stem 6 + 58 layers x 12 + 3 transitions x 6 + norm5 5 + 2
}

KEYS = {
    "alexnet": [("features.0.weight", (64, 3, 11, 11)), ("features.10.bias", (256,)),
                ("classifier.1.weight", (4096, 9216)), ("classifier.6.bias", (1000,))],
    "vgg11": [("features.0.weight", (64, 3, 3, 3)), ("features.18.weight", (512, 512, 3, 3)),
              ("classifier.0.weight", (4096, 25088)), ("classifier.6.bias", (1000,))],
    "vgg16": [("features.0.weight", (64, 3, 3, 3)), ("features.28.weight", (512, 512, 3, 3)),
              ("classifier.3.weight", (4096, 4096)), ("classifier.6.bias", (1000,))],
    "vgg16_bn": [("features.0.weight", (64, 3, 3, 3)), ("features.1.running_var", (64,)),
                 ("features.40.weight", (512, 512, 3, 3)),
                 ("features.41.num_batches_tracked", ()), ("classifier.6.bias", (1000,))],
    "vgg19_bn": [("features.49.weight", (512, 512, 3, 3)), ("classifier.6.bias", (1000,))],
    "resnet18": [("conv1.weight", (64, 3, 7, 7)), ("layer1.0.conv1.weight", (64, 64, 3, 3)),
                 ("layer2.0.downsample.0.weight", (128, 64, 1, 1)),
                 ("layer2.0.downsample.1.running_mean", (128,)),
                 ("layer4.1.bn2.num_batches_tracked", ()), ("fc.weight", (1000, 512)),
                 ("fc.bias", (1000,))],
    "resnet50": [("conv1.weight", (64, 3, 7, 7)), ("layer1.0.downsample.0.weight", (256, 64, 1, 1)),
                 ("layer3.5.conv2.weight", (256, 256, 3, 3)),
                 ("layer4.2.bn3.weight", (2048,)), ("fc.weight", (1000, 2048)),
                 ("fc.bias", (1000,))],
    "resnet152": [("layer2.7.conv3.weight", (512, 128, 1, 1)),
                  ("layer3.35.bn3.running_var", (1024,)), ("fc.bias", (1000,))],
    "mobilenet_v2": [("features.0.0.weight", (32, 3, 3, 3)), ("features.0.1.weight", (32,)),
                     ("features.1.conv.0.0.weight", (32, 1, 3, 3)),
                     ("features.1.conv.1.weight", (16, 32, 1, 1)),
                     ("features.2.conv.0.0.weight", (96, 16, 1, 1)),
                     ("features.2.conv.1.0.weight", (96, 1, 3, 3)),
                     ("features.17.conv.2.weight", (320, 960, 1, 1)),
                     ("features.18.0.weight", (1280, 320, 1, 1)),
                     ("classifier.1.weight", (1000, 1280)), ("classifier.1.bias", (1000,))],
    "squeezenet1_0": [("features.0.weight", (96, 3, 7, 7)),
                      ("features.3.squeeze.weight", (16, 96, 1, 1)),
                      ("features.12.expand3x3.weight", (256, 64, 3, 3)),
                      ("classifier.1.weight", (1000, 512, 1, 1)), ("classifier.1.bias", (1000,))],
    "squeezenet1_1": [("features.0.weight", (64, 3, 3, 3)),
                      ("features.3.expand1x1.weight", (64, 16, 1, 1)),
                      ("features.12.expand3x3.bias", (256,)),
                      ("classifier.1.weight", (1000, 512, 1, 1)), ("classifier.1.bias", (1000,))],
    "densenet121": [("features.conv0.weight", (64, 3, 7, 7)),
                    ("features.denseblock1.denselayer1.norm1.weight", (64,)),
                    ("features.denseblock1.denselayer1.conv1.weight", (128, 64, 1, 1)),
                    ("features.denseblock1.denselayer6.conv2.weight", (32, 128, 3, 3)),
                    ("features.transition1.conv.weight", (128, 256, 1, 1)),
                    ("features.denseblock4.denselayer16.conv2.weight", (32, 128, 3, 3)),
                    ("features.norm5.running_var", (1024,)),
                    ("classifier.weight", (1000, 1024)), ("classifier.bias", (1000,))],
}
FIRST_LAST = {name: (keys[0][0], keys[-1][0]) for name, keys in KEYS.items()
              if name not in ("vgg19_bn", "resnet152", "vgg16_bn")}


@pytest.fixture
def no_random_init(monkeypatch):
    """Skip the random initialisers (structure only: building VGG-19 otherwise takes ~30 s)."""
    for name in ("kaiming_uniform_", "kaiming_normal_", "normal_", "uniform_"):
        monkeypatch.setattr(numtorch.nn.init, name, lambda t, *a, **k: t)


@pytest.mark.parametrize("name", sorted(NUM_PARAMS))
def test_structure_matches_torchvision(name, no_random_init):
    m = models.get_model(name)
    sd = m.state_dict()
    assert sum(p.numel() for p in m.parameters()) == NUM_PARAMS[name]
    assert len(sd) == NUM_ENTRIES[name]
    for key, shape in KEYS.get(name, []):
        assert tuple(sd[key].shape) == shape, key
    if name in FIRST_LAST:
        keys = list(sd)
        assert (keys[0], keys[-1]) == FIRST_LAST[name]
    weights = models.get_model_weights(name)
    assert weights.DEFAULT.meta["num_params"] == NUM_PARAMS[name]
    assert weights.IMAGENET1K_V1.url.startswith("https://download.pytorch.org/models/" + name[:5])


def test_list_and_get():
    assert models.list_models() == sorted(NUM_PARAMS)
    assert models.list_models(include="resnet*") == ["resnet101", "resnet152", "resnet18",
                                                     "resnet34", "resnet50"]
    assert models.list_models(include="vgg1[16]*", exclude="*_bn") == ["vgg11", "vgg16"]
    assert models.list_models(module=models) == sorted(NUM_PARAMS)  # a package's models
    with pytest.raises(ValueError, match="Unknown model nope"):
        models.get_model("nope")
    assert models.get_model_builder("ResNet18") is models.resnet18
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V2") is models.ResNet50_Weights.DEFAULT
    with pytest.raises(ValueError, match="Invalid weight name provided: 'resnet'"):
        models.get_weight("resnet")


def test_weights_enum():
    w = models.ResNet18_Weights
    assert w.DEFAULT is w.IMAGENET1K_V1
    assert repr(w.DEFAULT) == "ResNet18_Weights.IMAGENET1K_V1"
    assert w.verify("IMAGENET1K_V1") is w.IMAGENET1K_V1
    assert w.verify("ResNet18_Weights.DEFAULT") is w.IMAGENET1K_V1
    assert w.verify(None) is None
    with pytest.raises(ValueError, match="Unknown value 'V9' for ResNet18_Weights."):
        w.verify("V9")
    with pytest.raises(TypeError, match="expected ResNet18_Weights but received ResNet34_Weights"):
        models.resnet18(weights=models.ResNet34_Weights.DEFAULT)
    assert w.DEFAULT.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert w.DEFAULT.transforms().crop_size == [224]
    assert list(models.MobileNet_V2_Weights) == [models.MobileNet_V2_Weights.IMAGENET1K_V1,
                                                 models.MobileNet_V2_Weights.IMAGENET1K_V2]


@pytest.mark.parametrize("name,size", [("mobilenet_v2", 32), ("squeezenet1_0", 64),
                                       ("squeezenet1_1", 48), ("densenet121", 32)])
def test_forward_backward_shapes(name, size):
    numtorch.manual_seed(0)
    m = models.get_model(name, num_classes=7)
    x = numtorch.randn(2, 3, size, size)
    y = m(x)
    assert tuple(y.shape) == (2, 7)
    y.sum().backward()
    assert all(p.grad is not None for p in m.parameters())


def test_transforms_preprocess_a_tensor():
    img = numtorch.randint(0, 256, (3, 300, 280), dtype=numtorch.uint8)
    out = models.ResNet18_Weights.DEFAULT.transforms()(img)
    assert tuple(out.shape) == (3, 224, 224) and out.dtype == numtorch.float32
    pil = pytest.importorskip("PIL.Image").fromarray(img.numpy().transpose(1, 2, 0))
    out = models.ResNet50_Weights.DEFAULT.transforms()(pil)
    assert tuple(out.shape) == (3, 224, 224) and out.dtype == numtorch.float32


# --------------------------------------------------------------------------- resnet18 vs torch


class _TorchBasicBlock(torch.nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class _TorchResNet(torch.nn.Module):
    """ResNet with basic blocks in real torch.nn, following torchvision/models/resnet.py."""

    def __init__(self, layers, num_classes=1000):
        super().__init__()
        nn = torch.nn
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            stride = 1 if i == 0 else 2
            down = None
            if stride != 1 or self.inplanes != planes:
                down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                                     nn.BatchNorm2d(planes))
            blocks = [_TorchBasicBlock(self.inplanes, planes, stride, down)]
            self.inplanes = planes
            blocks += [_TorchBasicBlock(planes, planes) for _ in range(1, n)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


@pytest.fixture(scope="module")
def resnet18_pair():
    torch.manual_seed(0)
    t = _TorchResNet([2, 2, 2, 2])
    numtorch.manual_seed(0)
    n = models.resnet18()
    return n, t


def test_resnet18_same_init_keys_and_shapes_as_torch(resnet18_pair):
    n, t = resnet18_pair
    nsd, tsd = n.state_dict(), t.state_dict()
    assert list(nsd) == list(tsd)
    for k in tsd:
        assert tuple(nsd[k].shape) == tuple(tsd[k].shape), k
        np.testing.assert_array_equal(nsd[k].numpy(), tsd[k].numpy(), err_msg=k)


def test_torch_saved_resnet18_gives_same_logits(resnet18_pair, tmp_path):
    n, t = resnet18_pair
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():  # trained-looking statistics, so eval mode uses them
        for m in t.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1, generator=g)
                m.running_var.uniform_(0.5, 1.5, generator=g)
                m.weight.uniform_(0.5, 1.5, generator=g)
                m.bias.normal_(0, 0.1, generator=g)
                m.num_batches_tracked.fill_(7)
    path = tmp_path / "resnet18.pth"
    torch.save(t.state_dict(), path)
    n.load_state_dict(numtorch.load(path))
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    n.eval()
    t.eval()
    with torch.no_grad():
        want = t(torch.tensor(x)).numpy()
    got = n(numtorch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # and back: numtorch's state dict, read by real torch, reproduces the same logits
    out = tmp_path / "back.pth"
    numtorch.save(n.state_dict(), out)
    t2 = _TorchResNet([2, 2, 2, 2])
    t2.load_state_dict(torch.load(out))
    t2.eval()
    with torch.no_grad():
        np.testing.assert_array_equal(t2(torch.tensor(x)).numpy(), want)


def test_small_resnet_train_mode_step_matches_torch():
    torch.manual_seed(3)
    t = _TorchResNet([1, 1, 1, 1], num_classes=5)
    n = models.ResNet(models.BasicBlock, [1, 1, 1, 1], num_classes=5)
    n.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 3, 40, 40)).astype(np.float32)
    yt = t(torch.tensor(x))
    yn = n(numtorch.tensor(x))
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    yt.square().sum().backward()
    yn.square().sum().backward()
    for (k, pn), (_, pt) in zip(n.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(pn.grad.numpy(), pt.grad.numpy(), rtol=2e-3, atol=2e-4,
                                   err_msg=k)
    for (k, bn), (_, bt) in zip(n.named_buffers(), t.named_buffers()):
        np.testing.assert_allclose(bn.numpy(), bt.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


# --------------------------------------------------------------------------- weights files


def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


def test_weights_load_from_hub_cache(tmp_path, monkeypatch):
    folder = _cache(tmp_path, monkeypatch)
    numtorch.manual_seed(5)
    src = models.squeezenet1_1()
    numtorch.save(src.state_dict(), folder / "squeezenet1_1-b8a52dc0.pth")
    m = models.squeezenet1_1(weights=models.SqueezeNet1_1_Weights.DEFAULT)
    for (k, a), b in zip(src.state_dict().items(), m.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m2 = models.squeezenet1_1(pretrained=True)
    assert "'pretrained' is deprecated" in str(caught[0].message)
    assert "weights=SqueezeNet1_1_Weights.IMAGENET1K_V1" in str(caught[1].message)
    np.testing.assert_array_equal(m2.classifier[1].weight.detach().numpy(),
                                  src.classifier[1].weight.detach().numpy())
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but "
                                         "got 10 instead."):
        models.squeezenet1_1(weights="DEFAULT", num_classes=10)
    sd = models.SqueezeNet1_1_Weights.DEFAULT.get_state_dict(progress=False, model_dir=str(folder))
    assert set(sd) == set(src.state_dict())


def test_densenet_old_checkpoint_key_names(tmp_path, monkeypatch, no_random_init):
    folder = _cache(tmp_path, monkeypatch)
    sd = models.densenet121().state_dict()
    # checkpoints of that age have no num_batches_tracked (BatchNorm's version 1 layout)
    old = {k.replace("denselayer1.norm1.", "denselayer1.norm.1."): v for k, v in sd.items()
           if not k.endswith("num_batches_tracked")}
    assert "features.denseblock1.denselayer1.norm.1.weight" in old
    numtorch.save(old, folder / "densenet121-a639ec97.pth")
    m = models.densenet121(weights=models.DenseNet121_Weights.IMAGENET1K_V1)
    assert list(m.state_dict()) == list(sd)


def test_offline_error_is_immediate(tmp_path, monkeypatch):
    _cache(tmp_path, monkeypatch)
    monkeypatch.setenv("NUMTORCH_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="resnet18-f37072fd.pth are not cached"):
        models.resnet18(weights="DEFAULT")
    assert time.monotonic() - start < 5


class _Serve(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - the http.server hook name
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_download_from_local_server_checks_hash(tmp_path, monkeypatch):
    import hashlib
    import io

    from numtorch.vision.models import load_state_dict_from_url

    monkeypatch.delenv("NUMTORCH_OFFLINE", raising=False)
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4.0)}, buf)
    _Serve.body = buf.getvalue()
    digest = hashlib.sha256(_Serve.body).hexdigest()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Serve)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        sd = load_state_dict_from_url(base + f"w-{digest[:8]}.pth", model_dir=str(tmp_path),
                                      check_hash=True)
        assert sd["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
        assert os.path.isfile(tmp_path / f"w-{digest[:8]}.pth")
        with pytest.raises(RuntimeError, match="invalid hash value"):
            load_state_dict_from_url(base + "w-00000000.pth", model_dir=str(tmp_path),
                                     check_hash=True)
        assert not os.path.exists(tmp_path / "w-00000000.pth")
    finally:
        server.shutdown()
        server.server_close()
    with socket.socket() as s:  # a port nobody listens on: refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RuntimeError, match="could not be downloaded"):
        load_state_dict_from_url(f"http://127.0.0.1:{port}/x-1234.pth", model_dir=str(tmp_path))


# --------------------------------------------------------------------------- more torch replicas


class _TorchFire(torch.nn.Module):
    def __init__(self, inp, s, e1, e3):
        super().__init__()
        nn = torch.nn
        self.squeeze = nn.Conv2d(inp, s, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(s, e1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(s, e3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


def _torch_squeezenet1_1(num_classes):
    """SqueezeNet 1.1 in real torch.nn, following torchvision/models/squeezenet.py."""
    nn = torch.nn
    pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)  # noqa: E731
    m = nn.Module()
    m.features = nn.Sequential(
        nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(inplace=True), pool(),
        _TorchFire(64, 16, 64, 64), _TorchFire(128, 16, 64, 64), pool(),
        _TorchFire(128, 32, 128, 128), _TorchFire(256, 32, 128, 128), pool(),
        _TorchFire(256, 48, 192, 192), _TorchFire(384, 48, 192, 192),
        _TorchFire(384, 64, 256, 256), _TorchFire(512, 64, 256, 256))
    final = nn.Conv2d(512, num_classes, 1)
    m.classifier = nn.Sequential(nn.Dropout(0.5), final, nn.ReLU(inplace=True),
                                 nn.AdaptiveAvgPool2d((1, 1)))
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d):
            if mod is final:
                nn.init.normal_(mod.weight, mean=0.0, std=0.01)
            else:
                nn.init.kaiming_uniform_(mod.weight)
            nn.init.constant_(mod.bias, 0)
    m.forward = lambda x: torch.flatten(m.classifier(m.features(x)), 1)
    return m


def _torch_mobilenet_v2(num_classes):
    """MobileNetV2 in real torch.nn, following torchvision/models/mobilenetv2.py."""
    nn = torch.nn

    def cna(i, o, k=3, s=1, g=1):
        return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=g, bias=False),
                             nn.BatchNorm2d(o), nn.ReLU6(inplace=True))

    class Block(nn.Module):
        def __init__(self, i, o, s, t):
            super().__init__()
            h = i * t
            layers = [cna(i, h, 1)] if t != 1 else []
            layers += [cna(h, h, 3, s, h), nn.Conv2d(h, o, 1, 1, 0, bias=False), nn.BatchNorm2d(o)]
            self.conv = nn.Sequential(*layers)
            self.res = s == 1 and i == o

        def forward(self, x):
            return x + self.conv(x) if self.res else self.conv(x)

    feats, cin = [cna(3, 32, s=2)], 32
    for t, c, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                       [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]:
        for i in range(n):
            feats.append(Block(cin, c, s if i == 0 else 1, t))
            cin = c
    feats.append(cna(cin, 1280, 1))
    m = nn.Module()
    m.features = nn.Sequential(*feats)
    m.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d):
            nn.init.kaiming_normal_(mod.weight, mode="fan_out")
        elif isinstance(mod, nn.BatchNorm2d):
            nn.init.ones_(mod.weight)
            nn.init.zeros_(mod.bias)
        elif isinstance(mod, nn.Linear):
            nn.init.normal_(mod.weight, 0, 0.01)
            nn.init.zeros_(mod.bias)
    m.forward = lambda x: m.classifier(torch.flatten(
        torch.nn.functional.adaptive_avg_pool2d(m.features(x), (1, 1)), 1))
    return m


@pytest.mark.parametrize("name,replica,size", [("squeezenet1_1", _torch_squeezenet1_1, 64),
                                                ("mobilenet_v2", _torch_mobilenet_v2, 48)])
def test_same_init_and_eval_logits_as_torch(name, replica, size):
    torch.manual_seed(2)
    t = replica(10)
    numtorch.manual_seed(2)
    n = models.get_model(name, num_classes=10)
    nsd, tsd = n.state_dict(), t.state_dict()
    assert list(nsd) == list(tsd)
    for k in tsd:
        np.testing.assert_array_equal(nsd[k].numpy(), tsd[k].numpy(), err_msg=k)
    x = np.random.default_rng(2).standard_normal((2, 3, size, size)).astype(np.float32)
    n.eval()
    t.eval()
    with torch.no_grad():
        want = t(torch.tensor(x)).numpy()
    np.testing.assert_allclose(n(numtorch.tensor(x)).detach().numpy(), want, rtol=1e-4, atol=1e-5)
