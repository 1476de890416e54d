// Placeholder entry point; the storage tests' helper replaces it.
print("StoreTool")
