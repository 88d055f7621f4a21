#pragma once
#include <memory>
#include <utility>

namespace tcpstate {

// An optional heap object owned by value: copying the owner copies it. Rare per-connection
// data lives behind one, so a record stays small and still copyable.
template <typename T> class DeepCopied {
public:
  DeepCopied() = default;
  DeepCopied(const DeepCopied& other)
      : m_object(other.m_object ? std::make_unique<T>(*other.m_object) : nullptr) {}
  DeepCopied& operator=(const DeepCopied& other) {
    if (this != &other) {
      m_object = other.m_object ? std::make_unique<T>(*other.m_object) : nullptr;
    }
    return *this;
  }
  DeepCopied(DeepCopied&&) noexcept = default;
  DeepCopied& operator=(DeepCopied&&) noexcept = default;
  ~DeepCopied() = default;

  DeepCopied& operator=(std::unique_ptr<T> object) {
    m_object = std::move(object);
    return *this;
  }
  explicit operator bool() const { return m_object != nullptr; }
  T* operator->() const { return m_object.get(); }
  T& operator*() const { return *m_object; }

private:
  std::unique_ptr<T> m_object;
};

} // namespace tcpstate
