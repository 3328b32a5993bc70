"""Workers freeze their start heap (`faust_app.freeze_heap`), so full collections skip it."""

import gc

from services.faust_app import freeze_heap


def test_what_is_alive_at_start_leaves_the_collectors_reach() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    model = [{"weight": i} for i in range(1_000)]  # what a composition root loads
    try:
        freeze_heap()
        assert gc.get_freeze_count() >= len(model)
        assert not any(o is model for o in gc.get_objects())  # tracked no more
    finally:
        gc.unfreeze()
