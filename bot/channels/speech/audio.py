"""Audio conversions with PyAV's bundled FFmpeg, so no system ffmpeg is needed.

MP3 is what Twilio `<Play>`s and what gTTS returns; Telegram shows a voice bubble only for
OGG/Opus. All functions here are blocking and CPU-bound: call them from a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import av
import av.error

__all__ = ["AudioError", "mp3_seconds", "mp3_to_ogg_opus", "pcm_to_mp3"]

MP3_BITRATE = 48_000  # clear speech at 22 kHz mono, about 6 kB a second
OPUS_RATE = 48_000  # Opus works at 48 kHz; Telegram expects it
OPUS_BITRATE = 24_000  # speech stays clear; a minute is about 180 kB
PCM_FRAME = 4_096  # samples handed to the encoder at a time


class AudioError(ValueError):
    """The audio given could not be decoded or encoded."""


def pcm_to_mp3(pcm: bytes, rate: int) -> bytes:
    """16-bit mono PCM to MP3 (LAME), for engines that speak raw samples."""
    if not pcm:
        raise AudioError("no samples to encode")
    out = io.BytesIO()
    try:
        with av.open(out, "w", format="mp3") as container:
            stream = container.add_stream("libmp3lame", rate=rate, layout="mono")
            stream.bit_rate = MP3_BITRATE
            width = 2
            for start in range(0, len(pcm) // width, PCM_FRAME):
                chunk = pcm[start * width : (start + PCM_FRAME) * width]
                frame = av.AudioFrame(format="s16p", layout="mono", samples=len(chunk) // width)
                frame.planes[0].update(chunk)
                frame.sample_rate = rate
                frame.pts = start
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    except av.error.FFmpegError as error:
        raise AudioError("MP3 encoding failed") from error
    return out.getvalue()


def _decoded(mp3: bytes, resampler: av.AudioResampler) -> Iterable[av.AudioFrame]:
    with av.open(io.BytesIO(mp3), "r", format="mp3") as source:
        for frame in source.decode(audio=0):
            yield from resampler.resample(frame)
    yield from resampler.resample(None)


def mp3_to_ogg_opus(mp3: bytes) -> tuple[bytes, float]:
    """MP3 to an OGG/Opus voice note (48 kHz mono) and its length in seconds."""
    out = io.BytesIO()
    samples = 0
    resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
    try:
        with av.open(out, "w", format="ogg") as container:
            stream = container.add_stream("libopus", rate=OPUS_RATE, layout="mono")
            stream.bit_rate = OPUS_BITRATE
            stream.codec_context.options = {"application": "voip"}
            for frame in _decoded(mp3, resampler):
                samples += frame.samples
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    except av.error.FFmpegError as error:
        raise AudioError("MP3 could not be turned into OGG/Opus") from error
    if samples == 0:
        raise AudioError("MP3 held no audio")
    return out.getvalue(), samples / OPUS_RATE


def mp3_seconds(mp3: bytes) -> float:
    """Length of MP3 audio in seconds, counted from decoded samples (headers can lie)."""
    samples = 0
    rate = 0
    try:
        with av.open(io.BytesIO(mp3), "r", format="mp3") as source:
            for frame in source.decode(audio=0):
                samples += frame.samples
                rate = frame.sample_rate
    except av.error.FFmpegError as error:
        raise AudioError("MP3 could not be decoded") from error
    return samples / rate if rate else 0.0
