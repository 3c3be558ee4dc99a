"""Commands of the `agora` CLI, one module each."""
