/*
 * check.exe: setup.sh's proof that the prefix serves Go binaries. It loads
 * bcryptprimitives.dll the way the Go runtime does, calls ProcessPrng, and
 * asks the NtSetInformationFile that GetProcAddress returns (as Go does) for a
 * POSIX-semantics delete of a scratch file: the answer must be one that Go's
 * os.RemoveAll falls back from, or success. Prints one line; exit 0 if good.
 */
#include <windows.h>
#include <stdio.h>

typedef BOOL(WINAPI *process_prng_fn)(PBYTE, SIZE_T);
typedef LONG(NTAPI *set_information_file_fn)(HANDLE, PVOID, PVOID, ULONG, ULONG);

int main(void)
{
	HMODULE bcp = LoadLibraryExW(L"bcryptprimitives.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
	process_prng_fn prng = bcp ? (process_prng_fn)GetProcAddress(bcp, "ProcessPrng") : NULL;
	BYTE buf[64] = {0}, any = 0;
	if (!prng || !prng(buf, sizeof buf)) {
		printf("ProcessPrng: missing or failed\n");
		return 1;
	}
	for (int i = 0; i < (int)sizeof buf; i++)
		any |= buf[i];
	if (!any) {
		printf("ProcessPrng: returned zeros\n");
		return 1;
	}

	set_information_file_fn set_info =
		(set_information_file_fn)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtSetInformationFile");
	WCHAR dir[MAX_PATH], path[MAX_PATH];
	GetTempPathW(MAX_PATH, dir);
	GetTempFileNameW(dir, L"chk", 0, path);
	HANDLE h = CreateFileW(path, DELETE | FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
			       NULL, OPEN_EXISTING, 0, NULL);
	ULONG64 iosb[2];
	ULONG flags = 0x1 | 0x2 | 0x10; /* DELETE | POSIX_SEMANTICS | IGNORE_READONLY_ATTRIBUTE */
	LONG st = set_info(h, iosb, &flags, sizeof flags, 64 /* FileDispositionInformationEx */);
	CloseHandle(h);
	DeleteFileW(path);
	switch ((ULONG)st) {
	case 0x00000000: /* STATUS_SUCCESS */
	case 0xC0000003: /* STATUS_INVALID_INFO_CLASS */
	case 0xC000000D: /* STATUS_INVALID_PARAMETER */
	case 0xC00000BB: /* STATUS_NOT_SUPPORTED */
		printf("ok: ProcessPrng works, FileDispositionInformationEx answers 0x%08lx\n", (ULONG)st);
		return 0;
	}
	printf("FileDispositionInformationEx answers 0x%08lx: Go's os.RemoveAll would fail\n", (ULONG)st);
	return 1;
}
