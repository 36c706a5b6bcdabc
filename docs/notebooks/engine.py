# %% [markdown]
# # Use the engine from Python
#
# Coming soon.

# %%
from lossdocs import losses

print(losses.names())
