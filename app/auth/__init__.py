"""Who is calling (tokens, passwords) and what they may see (scope)."""
