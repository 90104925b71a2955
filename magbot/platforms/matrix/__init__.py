"""The Matrix platform (matrix-nio, end-to-end encrypted): the only package that imports `nio`.

`MatrixPlatform(settings.matrix, uow, data_dir)` is what `magbot.app.make_platforms` builds.
"""

from magbot.platforms.matrix.device import NoDevice
from magbot.platforms.matrix.platform import MatrixPlatform
from magbot.platforms.matrix.sender import MatrixSender

__all__ = ["MatrixPlatform", "MatrixSender", "NoDevice"]
