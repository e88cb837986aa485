"""The agency registry: which agencies to crawl, where their report lists are."""

from ogi.registry.model import ADAPTERS, Agency, RegistryError, load_registry

__all__ = ["ADAPTERS", "Agency", "RegistryError", "load_registry"]
