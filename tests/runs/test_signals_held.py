"""Signals held while a model steps: a Ctrl-C inside a compiled kernel is neither lost nor a crash."""

import os
import signal
import threading

import pytest

from commsim.model import CommunityModel
from commsim.runs.interrupts import signals_held


def test_a_ctrl_c_during_the_block_is_raised_after_it_and_the_handler_is_put_back():
    finished = False
    with pytest.raises(KeyboardInterrupt), signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        model = CommunityModel(rng=3, n_residents=200)
        model.step()  # compiled kernels run with the signal pending: nothing is raised inside them
        finished = True
    assert finished and model.steps == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_termination_signal_runs_its_own_handler_after_the_block():
    seen = []

    def stop(signum, frame):
        seen.append(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            assert seen == []  # held
        assert seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_without_a_signal_the_block_runs_as_is_and_outside_the_main_thread_nothing_is_touched():
    with signals_held():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    errors = []

    def other_thread():
        try:
            with signals_held():
                pass
        except Exception as error:  # signal.signal would raise ValueError outside the main thread
            errors.append(error)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert errors == []
