#include "shared_data_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include <executorch/runtime/platform/log.h>

namespace pte_native {

using executorch::runtime::Error;
using executorch::runtime::FreeableBuffer;
using executorch::runtime::Result;

namespace {

// A file rewritten in place keeps its inode: size and mtime tell the new
// content from the mapping of the old one.
using FileId = std::tuple<dev_t, ino_t, off_t, int64_t, int64_t>;

std::mutex registry_mutex;
std::map<FileId, std::weak_ptr<SharedDataFile>>& registry() {
  static auto* files = new std::map<FileId, std::weak_ptr<SharedDataFile>>();
  return *files;
}

}  // namespace

Result<std::shared_ptr<SharedDataFile>> SharedDataFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ET_LOG(Error, "cannot open data file %s: %s", path.c_str(), std::strerror(errno));
    return Error::AccessFailed;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ET_LOG(Error, "data file %s is not a regular file", path.c_str());
    ::close(fd);
    return Error::AccessFailed;
  }
  FileId id{st.st_dev, st.st_ino, st.st_size, static_cast<int64_t>(st.st_mtim.tv_sec),
            static_cast<int64_t>(st.st_mtim.tv_nsec)};
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto& files = registry();
  for (auto it = files.begin(); it != files.end();) it = it->second.expired() ? files.erase(it) : std::next(it);
  if (auto found = files.find(id); found != files.end()) {
    if (auto shared = found->second.lock()) {
      ::close(fd);
      return shared;
    }
  }
  size_t size = static_cast<size_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      ET_LOG(Error, "cannot map data file %s (%zu bytes): %s", path.c_str(), size, std::strerror(errno));
      ::close(fd);
      return Error::AccessFailed;
    }
    data = static_cast<const uint8_t*>(map);
  }
  ::close(fd);  // the mapping keeps the file
  std::shared_ptr<SharedDataFile> file(new SharedDataFile(path, data, size));
  files[id] = file;
  return file;
}

std::vector<SharedDataFile::OpenFile> SharedDataFile::open_files() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  std::vector<OpenFile> out;
  for (const auto& [id, weak] : registry()) {
    if (auto file = weak.lock()) out.push_back({file->path_, file->size_, file.use_count() - 1});
  }
  return out;
}

SharedDataFile::~SharedDataFile() {
  if (data_) munmap(const_cast<uint8_t*>(data_), size_);
}

bool SharedDataFile::in_bounds(size_t offset, size_t size) const {
  if (offset <= size_ && size <= size_ - offset) return true;
  ET_LOG(Error, "data file %s is %zu bytes long; %zu bytes at offset %zu lie beyond its end", path_.c_str(), size_, size,
         offset);
  return false;
}

Result<FreeableBuffer> SharedDataFile::load(size_t offset, size_t size, const SegmentInfo&) const {
  if (!in_bounds(offset, size)) return Error::InvalidArgument;
  // No free function: the region belongs to the mapping, which outlives every program using it.
  return FreeableBuffer(data_ ? data_ + offset : nullptr, size, nullptr);
}

Error SharedDataFile::load_into(size_t offset, size_t size, const SegmentInfo&, void* buffer) const {
  if (!in_bounds(offset, size)) return Error::InvalidArgument;
  if (size > 0) std::memcpy(buffer, data_ + offset, size);
  return Error::Ok;
}

}  // namespace pte_native
