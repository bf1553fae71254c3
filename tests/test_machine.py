from verslagqa.machine import cpu_flags, machine

AVX512 = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8488C
flags\t\t: fpu sse2 avx avx2 avx512f avx512_bf16 amx_tile
processor\t: 1
"""
AVX2 = """processor\t: 0
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx avx2 fma
"""


def test_machine_reads_the_cpu_and_its_vector_extensions():
    m = machine(AVX512)
    assert m["cpu"] == "Intel(R) Xeon(R) Platinum 8488C"
    assert m["avx512"] is True and m["amx"] is True
    m = machine(AVX2)
    assert m["cpu"] == "AMD EPYC"
    assert m["avx512"] is False and m["amx"] is False
    assert m["cores"] >= 1


def test_cpu_flags_of_text_without_flags_is_empty():
    assert cpu_flags("model name\t: something\n") == set()
    assert "avx2" in cpu_flags(AVX2)
