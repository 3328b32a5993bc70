"""usewatch: the client side. The producer SDK (`sdk`), topic administration (`admin`), demo
traffic (`demo`), the local stack supervisor (`stack`) and the `usewatch` command line (`cli`)."""

from usewatch.sdk import Emitter, Subscriber

__all__ = ["Emitter", "Subscriber"]
