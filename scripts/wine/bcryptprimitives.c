/*
 * bcryptprimitives.dll for Wine 8, which has none. Built by setup.sh with
 * x86_64-w64-mingw32-gcc and installed as a native DLL in the test prefix.
 *
 * 1. ProcessPrng: the Go runtime (1.24 and later) loads bcryptprimitives.dll
 *    and ProcessPrng at start-up and throws without them. RtlGenRandom
 *    (advapi32!SystemFunction036) serves; it takes a ULONG length, so larger
 *    requests go in pieces.
 *
 * 2. FileDispositionInformationEx: Go 1.26's os.RemoveAll (and so t.TempDir's
 *    cleanup) deletes with NtSetInformationFile(FileDispositionInformationEx,
 *    POSIX semantics) and falls back to the classic FileDispositionInformation
 *    when the answer is STATUS_INVALID_INFO_CLASS, STATUS_INVALID_PARAMETER or
 *    STATUS_NOT_SUPPORTED, as on Windows before 10 1607 or on FAT. Wine 8
 *    answers STATUS_NOT_IMPLEMENTED ("Invalid function."), which Go does not
 *    treat as "unsupported", so every RemoveAll fails. Because the runtime loads
 *    this DLL before any user code runs, it redirects ntdll's export of
 *    NtSetInformationFile (what GetProcAddress returns; Wine's own DLLs are
 *    bound already and unaffected) to a wrapper that turns exactly that answer,
 *    for exactly that class, into STATUS_INVALID_INFO_CLASS. Every other call
 *    passes through unchanged; a Wine that implements the class is unaffected.
 */
#include <windows.h>

typedef LONG(NTAPI *set_information_file_fn)(HANDLE, PVOID, PVOID, ULONG, ULONG);

enum {
	FileDispositionInformationEx = 64,
	STATUS_NOT_IMPLEMENTED_ = (LONG)0xC0000002,
	STATUS_INVALID_INFO_CLASS_ = (LONG)0xC0000003,
};

static set_information_file_fn real_set_information_file;

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);

	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

static LONG NTAPI set_information_file(HANDLE h, PVOID iosb, PVOID info, ULONG len, ULONG class)
{
	LONG status = real_set_information_file(h, iosb, info, len, class);
	if (class == FileDispositionInformationEx && status == STATUS_NOT_IMPLEMENTED_)
		return STATUS_INVALID_INFO_CLASS_;
	return status;
}

/* export_slot returns the address-table entry of mod's export name. */
static DWORD *export_slot(BYTE *base, const char *name)
{
	IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
	DWORD rva = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT].VirtualAddress;
	IMAGE_EXPORT_DIRECTORY *exp = (IMAGE_EXPORT_DIRECTORY *)(base + rva);
	DWORD *names = (DWORD *)(base + exp->AddressOfNames);
	WORD *ordinals = (WORD *)(base + exp->AddressOfNameOrdinals);
	DWORD *functions = (DWORD *)(base + exp->AddressOfFunctions);

	for (DWORD i = 0; i < exp->NumberOfNames; i++)
		if (lstrcmpA((const char *)base + names[i], name) == 0)
			return &functions[ordinals[i]];
	return NULL;
}

/*
 * jump_stub places "jmp [rip+0]; .quad target" within 4 GB above base, since
 * an export is a 32-bit offset from its module.
 */
static BYTE *jump_stub(BYTE *base, void *target)
{
	IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
	ULONG_PTR p = ((ULONG_PTR)base + nt->OptionalHeader.SizeOfImage + 0xffff) & ~(ULONG_PTR)0xffff;
	BYTE *stub = NULL;

	for (; !stub && p < (ULONG_PTR)base + 0xfff00000; p += 0x10000)
		stub = VirtualAlloc((void *)p, 16, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
	if (!stub)
		return NULL;
	stub[0] = 0xff;
	stub[1] = 0x25;
	*(DWORD *)(stub + 2) = 0;
	*(void **)(stub + 6) = target;
	return stub;
}

static void redirect_set_information_file(void)
{
	BYTE *ntdll = (BYTE *)GetModuleHandleA("ntdll.dll");
	DWORD *slot, old;
	BYTE *stub;

	if (!ntdll || !(slot = export_slot(ntdll, "NtSetInformationFile")))
		return;
	if (!(stub = jump_stub(ntdll, (void *)set_information_file)))
		return;
	real_set_information_file = (set_information_file_fn)(ntdll + *slot);
	if (!VirtualProtect(slot, sizeof *slot, PAGE_READWRITE, &old))
		return;
	*slot = (DWORD)(stub - ntdll);
	VirtualProtect(slot, sizeof *slot, old, &old);
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)reserved;
	if (reason == DLL_PROCESS_ATTACH) {
		DisableThreadLibraryCalls(inst);
		redirect_set_information_file();
	}
	return TRUE;
}
