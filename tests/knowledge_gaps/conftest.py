from tests.llm_server import llm_env, llm_server  # noqa: F401
