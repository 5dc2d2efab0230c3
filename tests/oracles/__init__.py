"""Test oracles: independent, slower statements of the model that the tests check the engine with."""
