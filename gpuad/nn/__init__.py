"""Neural-network layers, activations, losses and initialisers on top of gpuad.

Modules (``nn.Linear``, ``nn.Conv2d``, ...) hold their weights as Tensors that require grad;
``model.parameters()`` finds them recursively. The same maths is available as plain functions
in :mod:`gpuad.nn.functional` (weights passed explicitly, e.g. as a pytree to ``gpuad.grad``).

Example::

    import gpuad as ad, gpuad.nn as nn, gpuad.optim as optim
    model = nn.MLP([2, 64, 64, 3], activation="relu")
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss = nn.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

from . import functional, init, utils  # noqa: F401
from .functional import (  # noqa: F401
    avg_pool2d,
    binary_cross_entropy_with_logits,
    conv2d,
    cross_entropy,
    dropout,
    embedding,
    flatten,
    gelu,
    layer_norm,
    leaky_relu,
    linear,
    log_softmax,
    logsumexp,
    max_pool2d,
    mse_loss,
    nll_loss,
    relu,
    sigmoid,
    silu,
    smooth_l1_loss,
    softmax,
    softplus,
    tanh,
)
from .modules import (  # noqa: F401
    GELU,
    MLP,
    AvgPool2d,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Module,
    MSELoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    Softplus,
    Tanh,
)
from .stateless import functional_call, stack_module_state  # noqa: F401

# isort: split
# convolutions of 1-3 dims and their transposes, pooling, normalisation, recurrent layers and
# attention
from .attention_layers import MultiheadAttention  # noqa: F401
from .conv_layers import (  # noqa: F401
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .functional import (  # noqa: F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool3d,
    batch_norm,
    conv1d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    group_norm,
    instance_norm,
    max_pool1d,
    max_pool3d,
    scaled_dot_product_attention,  # noqa: F401
)
from .lazy import (  # noqa: F401
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
    UninitializedParameter,
)
from .normalization_layers import (  # noqa: F401
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)
from .pooling_layers import (  # noqa: F401
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool3d,
    MaxPool1d,
    MaxPool3d,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: F401

# isort: split
# more of torch.nn: activations, losses, containers, padding, shuffles, distances, dropout
# variants (the functions are in gpuad.nn.functional)
from . import init_inplace, param_vector  # noqa: E402, F401
from .activations import (  # noqa: E402, F401
    CELU,
    ELU,
    GELU,  # noqa: F811 (torch's approximate= argument)
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU6,
    RReLU,
    Softmax,
    Softmin,
    Softplus,  # noqa: F811 (torch's beta and threshold)
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .bilinear import Bilinear  # noqa: E402, F401
from .containers import (  # noqa: E402, F401
    DataParallel,
    Identity,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
)
from .ctc import CTCLoss  # noqa: E402, F401
from .dropouts import (  # noqa: E402, F401
    AlphaDropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from .fractional_pooling import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402, F401
from .layout import (  # noqa: E402, F401
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .linear_losses import LinearCrossEntropyLoss  # noqa: E402, F401
from .losses import (  # noqa: E402, F401
    BCELoss,
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from .similarity import CosineSimilarity, PairwiseDistance  # noqa: E402, F401

# isort: split
# torch.nn's Transformer layers and stacks
from .transformer import (  # noqa: E402, F401
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

# isort: split
# more of torch.nn: embeddings with torch's arguments and embedding bags, resampling,
# fold/unfold, RMSNorm and smaller layers
from .embeddings import Embedding, EmbeddingBag  # noqa: E402, F401, F811
from .fold import Fold, Unfold  # noqa: E402, F401
from .misc_layers import (  # noqa: E402, F401
    ChannelShuffle,
    CrossMapLRN2d,
    LocalResponseNorm,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
    MultiLabelMarginLoss,
    RMSNorm,
    Softmax2d,
    TripletMarginWithDistanceLoss,
    Unflatten,
)
from .resample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: E402, F401


def _amp_lists() -> None:
    """torch.autocast's lists: F.linear, F.conv2d, the losses, ... cast under gpuad.autocast."""
    from .._autocast import install_listed

    install_listed("gpuad.nn.functional")


_amp_lists()
del _amp_lists
