"""Engine: problem in, plan out. Pure: no database, no HTTP, no asyncio."""
