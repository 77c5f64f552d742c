"""YooKassa: the gateway over the official SDK (`gateway`) and the local emulator that
stands in for YooKassa in the embedded default and in tests (`emulator*`).

Only `gateway` imports the `yookassa` SDK; everything else gets our own data classes.
"""

# The built-in emulator accepts exactly these shop credentials. They guard nothing of
# value (the emulator moves no real money) and are fixed so that a portal and its
# emulator agree without configuration.
EMULATOR_SHOP_ID = "100500"
EMULATOR_SECRET_KEY = "test_emulator_secret_key"
EMULATOR_MOUNT_PATH = "/emulator"
