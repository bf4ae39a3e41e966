"""A sweep's pool killed on SIGTERM leaves nothing on stderr but the sweep's own line: the
resource tracker's 'leaked semaphore' warning (it frees them) is filtered in its own process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CODE = textwrap.dedent(
    """
    import os, signal, time
    import dhopt.sweep_runner as sr
    pool = sr._new_pool(2, sr._mp_context())
    pool.submit(time.sleep, 5)
    time.sleep(1.0)
    sr._kill_pool(pool)
    os.kill(os.getpid(), signal.SIGTERM)
    """
)


def test_a_killed_pool_leaves_no_warning_on_stderr():
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60)
    assert result.returncode == -15
    assert result.stderr == ""
