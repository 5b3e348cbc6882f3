"""Fixtures shared by the test files."""

import pytest

from nerve import _core

from helpers import switched


@pytest.fixture
def isa(request):
    """Runs the test on the ISA path named by its (indirect) parameter, then restores the previous one."""
    with switched(_core.active_isa, _core.set_isa, request.param):
        yield request.param


@pytest.fixture
def conv_algorithm(request):
    """Runs the test with the convolution algorithm named by its (indirect) parameter, then restores it."""
    with switched(_core.conv_algorithm, _core.set_conv_algorithm, request.param):
        yield request.param
