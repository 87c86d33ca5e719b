"""A module that prints while it is imported, before the session is open."""
print("imported noisy_module")
