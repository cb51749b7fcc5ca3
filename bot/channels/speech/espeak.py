"""espeak-ng through ctypes, from the `espeakng-loader` wheel: offline speech from PyPI alone.

espeak-ng keeps its state in globals and is not thread safe, so this process has one
library, one lock, and one worker thread that runs every synthesis in turn.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import espeakng_loader

__all__ = ["EspeakError", "Pcm", "espeak_speak", "speak_in_worker"]

log = logging.getLogger(__name__)

AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
ESPEAK_CHARS_UTF8 = 1  # no SSML, no phoneme input: text is read as written
ESPEAK_RATE = 1
EE_OK = 0
MAX_SECONDS = 600  # a runaway text stops here rather than filling memory

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class EspeakError(RuntimeError):
    """espeak-ng could not start, has no voice for the language, or failed to speak."""


class _Voice(ctypes.Structure):
    """`espeak_VOICE` from speak_lib.h, used to choose a voice by language tag."""

    _fields_: ClassVar[list[tuple[str, Any]]] = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian mono samples."""

    samples: bytes
    rate: int


class _Espeak:
    """The loaded library; built once, used only while holding `_LOCK`."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_Callback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_Voice)]
        lib.espeak_SetVoiceByProperties.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        data = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise EspeakError("espeak-ng did not start")
        self.lib = lib
        self.rate: int = rate
        self._chunks: list[bytes] = []
        self._samples = 0
        # Kept on the object: ctypes would free a callback that nothing references.
        self._callback = _Callback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
            self._samples += count
        return 1 if self._samples > MAX_SECONDS * self.rate else 0

    def _choose_voice(self, voice: str) -> None:
        if self.lib.espeak_SetVoiceByName(voice.encode()) == EE_OK:
            return
        wanted = _Voice(languages=voice.encode())
        if self.lib.espeak_SetVoiceByProperties(ctypes.byref(wanted)) != EE_OK:
            raise EspeakError(f"espeak-ng has no voice {voice!r}")

    def speak(self, text: str, voice: str, words_per_minute: int) -> Pcm:
        self._choose_voice(voice)
        self.lib.espeak_SetParameter(ESPEAK_RATE, words_per_minute, 0)
        self._chunks, self._samples = [], 0
        data = text.encode()
        status = self.lib.espeak_Synth(
            data, len(data) + 1, 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None
        )
        pcm = b"".join(self._chunks)
        self._chunks, self._samples = [], 0
        if status != EE_OK or not pcm:
            raise EspeakError(f"espeak-ng failed with status {status}")
        return Pcm(pcm, self.rate)


_LOCK = threading.Lock()
_LOADED: list[_Espeak] = []
# One worker thread: calls queue here instead of blocking threads of the default pool.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")


def espeak_speak(text: str, voice: str, words_per_minute: int) -> Pcm:
    """Blocking synthesis; safe from any thread because the lock serialises it."""
    with _LOCK:
        if not _LOADED:
            try:
                _LOADED.append(_Espeak())
            except OSError as error:
                raise EspeakError("espeak-ng library could not be loaded") from error
            log.info("espeak-ng loaded at %d Hz", _LOADED[0].rate)
        return _LOADED[0].speak(text, voice, words_per_minute)


async def speak_in_worker(text: str, voice: str, words_per_minute: int) -> Pcm:
    """Synthesis on espeak's own thread, so the event loop keeps running."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WORKER, espeak_speak, text, voice, words_per_minute)
