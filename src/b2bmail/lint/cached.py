"""`cached`: a lock-free `functools.cached_property` for the lint engine's per-document facts.

Python 3.11's `cached_property` takes a lock on every first access (dropped in 3.12, see
python/cpython#87634): about a microsecond each, on each of the dozen facts a document
computes, for every document. A document is linted by one thread, so no lock is needed. As
with `cached_property`, the value is stored in the instance's `__dict__` under the same
name, where later reads find it without calling the descriptor at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class cached(Generic[T]):
    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> cached[T]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> T | cached[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value
