"""Model servers for tests, all on 127.0.0.1: fakes that speak Ollama's and the OpenAI API and
can be told to misbehave (`ollama_server`, `openai_server`, `_loopback.Fault`), and the real
llama.cpp server with SmolLM2 (`llama_server.running_llama_server`).

Test modules import them as `fakes.<module>` (pytest puts `tests/` on `sys.path`).
"""
