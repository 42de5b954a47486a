"""From a question to an answer: retrieval, what the question asks, evidence to refuse, the number
guard, quotes, the prompt, and the engine's typed event stream; knows no UI."""
